"""WARC/1.1 export of archived versions, with a CDXJ index for replay tools.

WARC is the interchange format of web archives: pywb, OpenWayback and every
archivist's tooling read it, and the CDXJ sidecar lets them seek straight
to a capture.  Each archived version becomes four records written in the
order they happened, all dated at the fetch and linked by
``WARC-Concurrent-To`` to the response:

* ``request``: the GET as the catalog kept it (credentials already blanked);
* ``response``: the stored status, headers and the raw body byte for byte;
* ``metadata``: JSON with the canonical URL, version, hashes, extraction and
  ``duplicate_of``.  The canonical URL goes here because WARC has no header
  for it, and a made-up ``WARC-*`` header would mislead other readers;
* ``resource``: the cleaned text, named by its SHA-256 (``urn:sha256:...``)
  rather than the page URL, so replay tools never take it for the page.

Digests are SHA-256 (warcio's base32 form) rather than warcio's SHA-1 default:
the catalog already identifies everything by SHA-256.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from importlib.metadata import version as package_version
from io import BytesIO
from typing import IO, Any
from urllib.parse import urlsplit

from w3lib.url import canonicalize_url
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.timeutils import datetime_to_iso_date, datetime_to_timestamp
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from newsarchive import __version__
from newsarchive.errors import NotFoundError
from newsarchive.storage.archive import Archive
from newsarchive.storage.objects import sha256_hex
from newsarchive.storage.results import Snapshot

DIGEST_ALGORITHM = "sha256"
WARC_SPEC = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"

# Headers describing how the body travelled, which the stored (decoded) body no longer matches.
_TRANSFER_HEADERS = ("transfer-encoding", "content-encoding")
ORIGINAL_PREFIX = "X-Archive-Orig-"
_WWW_LABEL = re.compile(r"www\d*")
# Ends every record; indexers leave it out of an uncompressed record's length (it is
# inside the gzip member otherwise), and the index agrees with them.
_RECORD_END = b"\r\n\r\n"


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """Where one response record sits in the WARC: one CDXJ line."""

    url: str
    fetched_at: datetime
    mime: str
    status: int
    digest: str
    offset: int
    length: int

    def cdxj_line(self, filename: str) -> str:
        fields = {
            "url": self.url,
            "mime": self.mime,
            "status": str(self.status),
            "digest": self.digest,
            "length": str(self.length),
            "offset": str(self.offset),
            "filename": filename,
        }
        stamp = datetime_to_timestamp(self.fetched_at.astimezone(UTC))
        return f"{surt(self.url)} {stamp} {json.dumps(fields, ensure_ascii=False)}"


@dataclass(frozen=True, slots=True)
class ExportStats:
    """What an export wrote: counts for the summary line and the index of its responses."""

    records: int
    versions: int
    bytes: int
    index: tuple[IndexEntry, ...]


class _Sha256WARCWriter(WARCWriter):
    """warcio's writer, hashing with SHA-256 instead of its SHA-1 default."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester(DIGEST_ALGORITHM)


class _CountingOutput:
    """Counts bytes written, so record offsets are known even when writing to a pipe."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.position = 0

    def write(self, data: bytes) -> int:
        self.position += len(data)
        return self.out.write(data)

    def flush(self) -> None:
        self.out.flush()


def surt(url: str) -> str:
    """The SURT form of ``url`` that CDX(J) indexes sort and look up by.

    No SURT library is installed, so this follows the rules pywb applies:
    w3lib canonicalises the URL (sorted query, normalised escapes, no
    fragment); then the scheme, a leading ``www``/``wwwN`` label and a default
    port go, the host labels are reversed and joined by commas, ``)`` ends
    the host, and the whole key is lowercased.
    """
    parts = urlsplit(canonicalize_url(url))
    labels = (parts.hostname or "").split(".")
    if len(labels) > 2 and _WWW_LABEL.fullmatch(labels[0]):
        labels = labels[1:]
    host = ",".join(reversed(labels))
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    if parts.port is not None and parts.port != default_port:
        host = f"{host}:{parts.port}"
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}){path}{query}".lower()


def replayable_headers(headers: Iterable[Sequence[str]], body_length: int) -> list[tuple[str, str]]:
    """Response headers made true of the stored body, the originals kept as evidence.

    The raw body was stored after transfer and content decoding, so a stored
    ``Transfer-Encoding: chunked`` or ``Content-Encoding: gzip`` would make
    WARC readers and browsers decode plain bytes again, and an old
    ``Content-Length`` would truncate or stall the replayed page.  Those
    headers are renamed with the ``X-Archive-Orig-`` prefix (the convention
    Wayback-style tools use for headers they rewrote) and ``Content-Length``
    is set to the stored body's length.
    """
    rewritten: list[tuple[str, str]] = []
    for name, value in headers:
        lowered = name.lower()
        if lowered in _TRANSFER_HEADERS:
            rewritten.append((f"{ORIGINAL_PREFIX}{name}", value))
        elif lowered == "content-length":
            if value.strip() != str(body_length):
                rewritten.append((f"{ORIGINAL_PREFIX}{name}", value))
        else:
            rewritten.append((name, value))
    rewritten.append(("Content-Length", str(body_length)))
    return rewritten


def selected_versions(
    archive: Archive, *, outlet: str | None = None, since: datetime | None = None
) -> list[tuple[datetime, str]]:
    """(fetch time, canonical URL) of every version to export, oldest first.

    ``since`` selects versions fetched at or after it, not articles first
    seen after it, so that periodic exports pick up new versions of old
    articles and never repeat a version.
    """
    urls = [article.url for article in archive.list_articles(outlet=outlet)]
    chosen = [
        (info.fetched_at, url)
        for url in urls
        for info in archive.history(url)
        if since is None or info.fetched_at >= since
    ]
    return sorted(chosen)


def write_warc(
    archive: Archive,
    out: IO[bytes],
    *,
    outlet: str | None = None,
    since: datetime | None = None,
    gzip: bool = True,
    filename: str | None = None,
) -> ExportStats:
    """Write the selected versions as WARC/1.1 to ``out``; nothing is written if none match.

    With ``gzip`` each record is its own gzip member, as replay tools expect,
    so that an index offset can be decompressed on its own.
    """
    versions = selected_versions(archive, outlet=outlet, since=since)
    if not versions:
        wanted = " matching the filters" if outlet or since else ""
        raise NotFoundError(f"no archived versions{wanted} to export")
    counted = _CountingOutput(out)
    writer = _Sha256WARCWriter(counted, gzip=gzip, warc_version="1.1")
    info = _warcinfo(writer, filename, outlet, since)
    writer.write_record(info)
    info_id = info.rec_headers.get_header("WARC-Record-ID")
    records = 1
    index: list[IndexEntry] = []
    for fetched_at, url in versions:
        snapshot = archive.snapshot(url, at=fetched_at)
        for record in _version_records(writer, snapshot, info_id):
            start = counted.position
            writer.write_record(record)
            records += 1
            if record.rec_type == "response":
                length = counted.position - start - (0 if gzip else len(_RECORD_END))
                index.append(_index_entry(snapshot, record, start, length))
    return ExportStats(
        records=records, versions=len(versions), bytes=counted.position, index=tuple(index)
    )


def cdxj_lines(stats: ExportStats, filename: str) -> list[str]:
    """The CDXJ index of an export's responses, sorted as replay tools binary-search it."""
    return sorted(entry.cdxj_line(filename) for entry in stats.index)


def _warcinfo(
    writer: WARCWriter, filename: str | None, outlet: str | None, since: datetime | None
) -> ArcWarcRecord:
    fields = {
        "software": f"newsarchive/{__version__} (warcio/{package_version('warcio')})",
        "format": "WARC File Format 1.1",
        "conformsTo": WARC_SPEC,
        "description": "archived news article versions: page, cleaned text, metadata",
        "outlet": outlet or "all",
        "since": since.isoformat() if since else "all",
    }
    record: ArcWarcRecord = writer.create_warcinfo_record(filename, fields)
    return record


def _version_records(writer: WARCWriter, snapshot: Snapshot, info_id: str) -> list[ArcWarcRecord]:
    """Request, response, metadata and text records of one version, in that order."""
    fetch: dict[str, Any] = snapshot.meta.get("fetch") or {}
    final_url = fetch.get("final_url") or snapshot.url
    when = datetime_to_iso_date(
        snapshot.fetched_at.astimezone(UTC).replace(tzinfo=None), use_micros=True
    )
    response_id = StatusAndHeadersParser.make_warc_id()
    linked = {"WARC-Date": when, "WARC-Warcinfo-ID": info_id, "WARC-Concurrent-To": response_id}
    own = {"WARC-Record-ID": response_id, "WARC-Date": when, "WARC-Warcinfo-ID": info_id}
    text = snapshot.text.encode("utf-8")
    # The request that brought this response: for a redirected fetch that is
    # the final URL's, so WARC-Concurrent-To pairs the two truthfully.
    request = _build(
        writer, final_url, "request", b"", linked, http=_request_line(fetch, final_url)
    )
    response = _build(
        writer, final_url, "response", snapshot.raw, own, http=_status(fetch, snapshot)
    )
    metadata = _build(
        writer, final_url, "metadata", _metadata_json(snapshot), linked, mime="application/json"
    )
    resource = _build(
        writer, f"urn:sha256:{sha256_hex(text)}", "resource", text, linked,
        mime="text/plain; charset=utf-8",
    )  # fmt: skip
    return [request, response, metadata, resource]


def _build(
    writer: WARCWriter,
    uri: str,
    kind: str,
    payload: bytes,
    warc_headers: dict[str, str],
    *,
    http: StatusAndHeaders | None = None,
    mime: str = "",
) -> ArcWarcRecord:
    headers = {
        "WARC-Type": kind,
        "WARC-Record-ID": StatusAndHeadersParser.make_warc_id(),
        **warc_headers,
    }
    record: ArcWarcRecord = writer.create_warc_record(
        uri,
        kind,
        payload=BytesIO(payload),
        length=len(payload),
        warc_content_type=mime,
        warc_headers_dict=headers,
        http_headers=http,
    )
    return record


def _request_line(fetch: dict[str, Any], final_url: str) -> StatusAndHeaders:
    target = urlsplit(final_url)
    path = (target.path or "/") + (f"?{target.query}" if target.query else "")
    headers = [(name, value) for name, value in fetch.get("request_headers") or ()]
    return StatusAndHeaders(f"GET {path} HTTP/1.1", headers, is_http_request=True)


def _status(fetch: dict[str, Any], snapshot: Snapshot) -> StatusAndHeaders:
    status = int(fetch.get("status") or 200)
    try:
        line = f"{status} {HTTPStatus(status).phrase}"
    except ValueError:  # a status code the standard library does not name
        line = str(status)
    headers = replayable_headers(fetch.get("response_headers") or (), len(snapshot.raw))
    return StatusAndHeaders(line, headers, protocol="HTTP/1.1")


def _metadata_json(snapshot: Snapshot) -> bytes:
    document = {key: value for key, value in snapshot.meta.items() if key != "url"}
    document |= {
        "canonical_url": snapshot.url,
        "duplicate_of": snapshot.duplicate_of,
        "outlet": snapshot.outlet,
        "version": snapshot.version,
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")


def _index_entry(
    snapshot: Snapshot, response: ArcWarcRecord, offset: int, length: int
) -> IndexEntry:
    http = response.http_headers
    mime = (http.get_header("Content-Type") or "unk").split(";")[0].strip().lower()
    return IndexEntry(
        url=response.rec_headers.get_header("WARC-Target-URI"),
        fetched_at=snapshot.fetched_at,
        mime=mime,
        status=int(http.get_statuscode()),
        digest=response.rec_headers.get_header("WARC-Payload-Digest"),
        offset=offset,
        length=length,
    )
