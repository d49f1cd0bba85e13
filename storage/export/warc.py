"""WARC/1.1 export of archived captures, written so that replay tools show the page.

WARC is the interchange format of web archives: pywb, OpenWayback and every
archivist's tooling read it.  Every capture of an article (see
:mod:`newsarchive.storage.reading.captures`) becomes records dated at its fetch:

* ``request``: the GET as the catalog kept it (credentials already blanked);
* ``response``: the stored status and headers and the stored body (see
  :func:`replayable_headers` for what "stored" means);
* ``metadata``: JSON with the canonical URL, version, hashes, extraction and
  ``duplicate_of``;
* ``resource``: the cleaned text;
* for a gone capture (an archived article answering 404, 410 or 451, or a
  redirect elsewhere) only the request and the response, its status line
  and body as served, so replay tools show the page gone from then on;
* or, for a capture whose bytes were archived before, a ``revisit`` instead
  of the response and the two records about it: ``identical-payload-digest``
  for a refetch that brought the same bytes, ``server-not-modified`` for a
  304.  Replay tools resolve a revisit to the response it refers to.

The page requisites an outlet keeps (stylesheets, images) follow as request
and response records, or revisits of their first fetch, so a replay shows
the page as it looked.

Replay tools look a page up by its URL, so only the request, the response
and revisits carry the page's URL.  The metadata and the text are about
that response (``WARC-Refers-To`` and ``WARC-Concurrent-To`` name it) and
are addressed under ``urn:`` URIs of their own (``urn:newsarchive:metadata:``
and ``urn:text:`` followed by the page URL, the form Browsertrix uses for
page text), so no replay tool ever serves them in place of the page.

Digests are SHA-256 (warcio's base32 form) rather than warcio's SHA-1 default:
the catalog already identifies everything by SHA-256.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from importlib.metadata import version as package_version
from io import BytesIO
from pathlib import Path
from typing import IO, NamedTuple
from urllib.parse import urlsplit

from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.timeutils import datetime_to_iso_date
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from newsarchive import __version__
from newsarchive.errors import NotFoundError
from newsarchive.storage import DIGEST_ALGORITHM, payload_digest
from newsarchive.storage.export import cdxj
from newsarchive.storage.export.copies import CopiedVersions
from newsarchive.storage.export.format import (
    ExportedPage,
    ExportFormat,
    ExportRequest,
    ExportStats,
)
from newsarchive.storage.reader import ReadOnlyArchive
from newsarchive.storage.results import CaptureInfo, RequisiteInfo, Snapshot

Exchange = CaptureInfo | RequisiteInfo
"""What one fetch wrote: an article capture or a page requisite (the same HTTP fields)."""

WARC_SPEC = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
METADATA_URN = "urn:newsarchive:metadata:"
TEXT_URN = "urn:text:"

# Headers describing how the body travelled, which the stored (decoded) body no longer matches.
_TRANSFER_HEADERS = ("transfer-encoding", "content-encoding")
ORIGINAL_PREFIX = "X-Archive-Orig-"


@dataclass(frozen=True, slots=True)
class _Written:
    """A response already in this WARC, that revisits of its bytes refer to."""

    record_id: str
    uri: str
    date: str


class _Sha256WARCWriter(WARCWriter):
    """warcio's writer, hashing with SHA-256 instead of its SHA-1 default."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester(DIGEST_ALGORITHM)


class _CountingOutput:
    """Counts bytes written, so the summary is right even when writing to a pipe."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.position = 0

    def write(self, data: bytes) -> int:
        self.position += len(data)
        return self.out.write(data)

    def flush(self) -> None:
        self.out.flush()


def replayable_headers(
    headers: Iterable[Sequence[str]], body_length: int | None
) -> list[tuple[str, str]]:
    """Response headers made true of the stored body, the originals kept as evidence.

    What the archive keeps of a response is its body after the transfer and
    content codings were undone (Scrapy removes chunking and gzip, deflate,
    br or zstd before anything else sees the bytes): the decoded entity,
    byte for byte, not the bytes on the wire.  A stored
    ``Transfer-Encoding: chunked`` or ``Content-Encoding: gzip`` would make
    WARC readers and browsers decode plain bytes again, and an old
    ``Content-Length`` would truncate or stall the replayed page.  Those
    headers are renamed with the ``X-Archive-Orig-`` prefix (the convention
    Wayback-style tools use for headers they rewrote), and ``Content-Length``
    is set to the stored body's length when the record carries the body
    (``body_length`` is None for a revisit, whose body is elsewhere).
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
    if body_length is not None:
        rewritten.append(("Content-Length", str(body_length)))
    return rewritten


def selected_captures(
    archive: ReadOnlyArchive,
    *,
    outlet: str | None = None,
    since: datetime | None = None,
    urls: Sequence[str] = (),
) -> Selection:
    """(fetch time, URL, capture) of every capture to export, oldest first, and their outlets.

    Article captures, and the fetches of their pages' requisites (stylesheets
    and images) where the outlet keeps them.  ``since`` selects captures
    taken at or after it, not articles first seen after it, so that periodic
    exports pick up new captures of old articles and never repeat one.  A
    revisit whose original went out in an earlier export still names it
    (``WARC-Refers-To-Target-URI`` and ``-Date``).  With ``urls``, only those
    articles are exported, with the requisites their outlets keep (a
    stylesheet is fetched once for every page of a site that uses it).
    """
    if urls:
        articles = [(a, o) for a, o in _named_articles(archive, urls) if outlet in (None, o)]
    else:
        articles = [(a.url, a.outlet) for a in archive.list_articles(outlet=outlet)]
    chosen: list[tuple[datetime, str, Exchange]] = [
        (capture.fetched_at, url, capture)
        for url, _outlet in articles
        for capture in archive.captures(url)
        if since is None or capture.fetched_at >= since
    ]
    if chosen:
        for keeper in sorted({o for _url, o in articles}) if urls else [outlet]:
            chosen += [(r.fetched_at, r.url, r) for r in archive.requisites(keeper, since)]
    exported = {url for _when, url, _capture in chosen}
    outlets = frozenset(o for url, o in articles if url in exported)
    return Selection(sorted(chosen, key=lambda item: (item[0], item[1])), outlets)


class Selection(NamedTuple):
    captures: list[tuple[datetime, str, Exchange]]
    outlets: frozenset[str]  # the outlets whose articles are among them


def _named_articles(archive: ReadOnlyArchive, urls: Sequence[str]) -> list[tuple[str, str]]:
    """(canonical URL, outlet) of each article named, once; NotFoundError naming the missing."""
    found: dict[str, str] = {}
    missing = []
    for url in urls:
        try:
            snapshot = archive.snapshot(url)
        except NotFoundError:
            missing.append(url)
            continue
        found.setdefault(snapshot.url, snapshot.outlet)
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise NotFoundError(f"not archived: {missing[0]}{more}; nothing was exported")
    return list(found.items())


def write_warc(
    archive: ReadOnlyArchive,
    out: IO[bytes],
    *,
    outlet: str | None = None,
    since: datetime | None = None,
    urls: Sequence[str] = (),
    gzip: bool = True,
    filename: str | None = None,
    provenance: Sequence[tuple[str, str]] = (),
) -> ExportStats:
    """Write the selected captures as WARC/1.1 to ``out``; nothing is written if none match.

    With ``gzip`` each record is its own gzip member, as replay tools expect,
    so that an index offset can be decompressed on its own.
    """
    chosen, outlets = selected_captures(archive, outlet=outlet, since=since, urls=urls)
    if not chosen:
        wanted = " matching the filters" if outlet or since or urls else ""
        raise NotFoundError(f"no archived versions{wanted} to export")
    counted = _CountingOutput(out)
    writer = _Sha256WARCWriter(counted, gzip=gzip, warc_version="1.1")
    collections = sorted({state.collection for state in archive.outlet_states(outlets).values()})
    provenance = [*provenance, ("isPartOf", ", ".join(collections) or "default")]
    info = _warcinfo(writer, filename, outlet, since, len(urls), provenance)
    writer.write_record(info)
    info_id = info.rec_headers.get_header("WARC-Record-ID")
    written: dict[tuple[str, str], _Written] = {}
    records = [info]
    pages: list[ExportedPage] = []
    copies = CopiedVersions(archive)
    for _when, url, capture in chosen:
        if capture.is_revisit:
            original = written.get((url, capture.raw_sha256))
            batch = _revisit_records(writer, capture, info_id, original)
        elif isinstance(capture, RequisiteInfo):
            body = archive.requisite_body(capture)
            batch = _exchange_records(writer, capture, body, info_id)[:2]
        elif capture.gone:  # what was served instead of the article, and no text
            body = archive.capture_snapshot(url, capture).raw
            batch = _exchange_records(writer, capture, body, info_id)
        else:
            snapshot = archive.capture_snapshot(url, capture)
            copied = None
            if snapshot.duplicate_of is not None:
                copied = copies.version_copied(snapshot.duplicate_of, snapshot.text)
            batch = _capture_records(writer, snapshot, capture, info_id, copied)
            title = (snapshot.meta.get("extraction") or {}).get("title")
            page = ExportedPage(capture.final_url, capture.fetched_at, title, snapshot.text)
            pages.append(page)
        if not capture.is_revisit:
            response = batch[1].rec_headers
            written[(url, capture.raw_sha256)] = _Written(
                response.get_header("WARC-Record-ID"),
                response.get_header("WARC-Target-URI"),
                response.get_header("WARC-Date"),
            )
        for record in batch:
            writer.write_record(record)
        records += batch
    requisites = [c for _w, _u, c in chosen if isinstance(c, RequisiteInfo)]
    return ExportStats(
        records=len(records),
        captures=len(chosen) - len(requisites),
        revisits=sum(1 for _w, _u, c in chosen if c.is_revisit),
        requisites=len(requisites),
        bytes=counted.position,
        pages=tuple(pages),
    )


def _warcinfo(
    writer: WARCWriter,
    filename: str | None,
    outlet: str | None,
    since: datetime | None,
    named: int = 0,
    provenance: Sequence[tuple[str, str]] = (),
) -> ArcWarcRecord:
    """The export's warcinfo: what made it, what it selected, and who crawled it how."""
    fields = {
        "software": f"newsarchive/{__version__} (warcio/{package_version('warcio')})",
        "format": "WARC File Format 1.1",
        "conformsTo": WARC_SPEC,
        "description": "archived news article captures: page, cleaned text, metadata",
        "outlet": outlet or "all",
        "since": since.isoformat() if since else "all",
        "articles": f"{named} named" if named else "all",
        **dict(provenance),
    }
    record: ArcWarcRecord = writer.create_warcinfo_record(filename, fields)
    return record


def _warc_date(when: datetime) -> str:
    date: str = datetime_to_iso_date(when.astimezone(UTC).replace(tzinfo=None), use_micros=True)
    return date


def _exchange_records(
    writer: WARCWriter, exchange: Exchange, body: bytes, info_id: str
) -> list[ArcWarcRecord]:
    """The request and the response of one exchange, dated at its fetch."""
    target = exchange.final_url
    response_id = StatusAndHeadersParser.make_warc_id()
    when = _warc_date(exchange.fetched_at)
    own = {"WARC-Record-ID": response_id, "WARC-Date": when, "WARC-Warcinfo-ID": info_id}
    concurrent = {"WARC-Date": when, "WARC-Warcinfo-ID": info_id, "WARC-Concurrent-To": response_id}
    # The request that brought this response: for a redirected fetch that is
    # the final URL's, so WARC-Concurrent-To pairs the two truthfully.
    request = _build(writer, target, "request", b"", concurrent, http=_request_line(exchange))
    status = _status(exchange, len(body))
    response = _build(writer, target, "response", body, own, http=status)
    return [request, response]


def _capture_records(
    writer: WARCWriter,
    snapshot: Snapshot,
    capture: CaptureInfo,
    info_id: str,
    copied: int | None = None,
) -> list[ArcWarcRecord]:
    """Request, response, metadata and text records of one article capture, in that order.

    ``copied`` is, for a copy, the version of the original it repeats.
    """
    request, response = _exchange_records(writer, capture, snapshot.raw, info_id)
    target = capture.final_url
    response_id = response.rec_headers.get_header("WARC-Record-ID")
    when = response.rec_headers.get_header("WARC-Date")
    about = {
        "WARC-Date": when,
        "WARC-Warcinfo-ID": info_id,
        "WARC-Concurrent-To": response_id,
        "WARC-Refers-To": response_id,
    }
    metadata = _build(
        writer, METADATA_URN + target, "metadata", _metadata_json(snapshot, capture, copied), about,
        mime="application/json",
    )  # fmt: skip
    text = snapshot.text.encode("utf-8")
    resource = _build(
        writer, TEXT_URN + target, "resource", text, about, mime="text/plain; charset=utf-8"
    )
    return [request, response, metadata, resource]


def _revisit_records(
    writer: WARCWriter, capture: Exchange, info_id: str, original: _Written | None
) -> list[ArcWarcRecord]:
    """Request and revisit of a capture whose bytes were archived before.

    A refetch that brought identical bytes keeps its own status and headers
    (``identical-payload-digest``).  A 304 keeps no headers: the catalog
    holds none for it, and an empty block makes replay tools serve the
    original response's headers with its payload, which is what the server
    said by answering 304.
    """
    assert capture.revisit_of is not None
    target = capture.final_url
    when = _warc_date(capture.fetched_at)
    revisit_id = StatusAndHeadersParser.make_warc_id()
    refers = {
        "WARC-Refers-To-Target-URI": original.uri if original else target,
        "WARC-Refers-To-Date": original.date if original else _warc_date(capture.revisit_of),
    }
    if original is not None:
        refers["WARC-Refers-To"] = original.record_id
    own = {"WARC-Record-ID": revisit_id, "WARC-Date": when, "WARC-Warcinfo-ID": info_id}
    concurrent = {"WARC-Date": when, "WARC-Warcinfo-ID": info_id, "WARC-Concurrent-To": revisit_id}
    request = _build(writer, target, "request", b"", concurrent, http=_request_line(capture))
    digest = payload_digest(capture.raw_sha256)
    if capture.not_modified:
        revisit = _build(
            writer, target, "revisit", b"",
            {**own, **refers, "WARC-Profile": NOT_MODIFIED_PROFILE, "WARC-Payload-Digest": digest},
        )  # fmt: skip
    else:
        revisit = writer.create_revisit_record(
            target, digest, refers["WARC-Refers-To-Target-URI"], refers["WARC-Refers-To-Date"],
            http_headers=_status(capture, body_length=None), warc_headers_dict=own,
        )  # fmt: skip
        if original is not None:
            revisit.rec_headers.add_header("WARC-Refers-To", original.record_id)
    return [request, revisit]


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


def _request_line(capture: Exchange) -> StatusAndHeaders:
    target = urlsplit(capture.final_url)
    path = (target.path or "/") + (f"?{target.query}" if target.query else "")
    headers = list(capture.request_headers)
    return StatusAndHeaders(f"GET {path} HTTP/1.1", headers, is_http_request=True)


def _status(capture: Exchange, body_length: int | None) -> StatusAndHeaders:
    """The response's status line and headers; ``body_length`` None for a revisit (no body)."""
    status = capture.status
    try:
        line = f"{status} {HTTPStatus(status).phrase}"
    except ValueError:  # a status code the standard library does not name
        line = str(status)
    headers = replayable_headers(capture.response_headers, body_length)
    return StatusAndHeaders(line, headers, protocol="HTTP/1.1")


def _metadata_json(snapshot: Snapshot, capture: CaptureInfo, copied: int | None) -> bytes:
    document = {key: value for key, value in snapshot.meta.items() if key != "url"}
    document |= {
        "canonical_url": snapshot.url,
        "duplicate_of": snapshot.duplicate_of,
        "duplicate_of_version": copied,
        "outlet": snapshot.outlet,
        "version": snapshot.version,
        "captured_at": capture.fetched_at.isoformat(),
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")


def write_indexed(
    archive: ReadOnlyArchive, request: ExportRequest, folder: Path, name: str
) -> ExportStats:
    """The WARC file ``name`` and, beside it, its CDXJ index ``name.cdxj``."""
    warc = folder / name
    with warc.open("wb") as out:
        stats = write_warc(
            archive,
            out,
            outlet=request.outlet,
            since=request.since,
            urls=request.urls,
            gzip=request.gzip,
            filename=name,
            provenance=request.provenance,
        )
    with (folder / f"{name}{INDEX_ENDING}").open("w", encoding="utf-8") as lines:
        cdxj.write_cdxj(warc, lines, filename=name)
    return stats


INDEX_ENDING = ".cdxj"
FORMAT = ExportFormat(
    name="WARC",
    suffixes=(".warc.gz", ".warc"),
    write=write_indexed,
    beside=(INDEX_ENDING,),
)
"""WARC/1.1 with its CDXJ index beside it: what pywb and every WARC tool read."""
