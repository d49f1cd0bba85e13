"""CDX queries: captures listed as pywb's CDX server lists the same captures exported.

Archivists' tools ask a CDX server for the captures of a URL, of every URL
under a path, on a host, or in a domain and its subdomains.  Each of those
is one range of SURT keys (``org,example)/news/`` ...), computed here by the
rule pywb uses (``calc_search_range``), and read through the index of
articles by SURT key, so a query never reads the whole catalog.

A line's fields are those of the WARC record the export writes for the
capture, as cdxj-indexer indexes it: the key and URL of the record's target
(the URL fetched in the end), ``warc/revisit`` as the type of a revisit,
no status for a 304's revisit (its record has no HTTP headers), and the
payload digest in the export's ``sha256:BASE32`` form.  An article is found
by its own URL's key; the rare capture whose final URL falls outside the
range its article is in is left out, as a WARC index would list it elsewhere.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from itertools import groupby

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from newsarchive.errors import InputError
from newsarchive.identity import surt_key
from newsarchive.records import header_value
from newsarchive.storage.catalog.models import ArticleRow, FetchRow
from newsarchive.storage.reading.captures import (
    article_captures,
    captures_query,
    memento_stamp,
)
from newsarchive.storage.results import CaptureInfo, CdxLine

DIGEST_ALGORITHM = "sha256"
REVISIT_MIME = "warc/revisit"
_MIME_END = re.compile(r"[;\s]")


class MatchType(StrEnum):
    """How much a query's URL stands for, as the CDX server API names it."""

    EXACT = "exact"
    PREFIX = "prefix"
    HOST = "host"
    DOMAIN = "domain"


@dataclass(frozen=True, slots=True)
class CdxQuery:
    """A CDX query: ``url`` read as ``match``, captures from ``start`` to ``end`` (UTC, naive
    or aware), at most ``limit`` lines."""

    url: str
    match: MatchType = MatchType.EXACT
    start: datetime | None = None
    end: datetime | None = None
    limit: int | None = None


def key_range(url: str, match: MatchType) -> tuple[str, str]:
    """The SURT keys ``[start, end)`` that ``url`` read as ``match`` covers (pywb's rule)."""
    try:
        key = surt_key(url)
    except ValueError:  # an address that parses as no URL, such as a port above 65535
        raise InputError(f"url: not a URL: {url[:80]!r}") from None
    host = key.split(")/")[0]
    if match is MatchType.EXACT:
        return key, key + "!"
    if match is MatchType.PREFIX:
        start = key
        for ending in "/?":
            if url.endswith(ending) and not key.endswith(ending):
                start = key + ending
                break
        return start, start[:-1] + chr(ord(start[-1]) + 1)
    if match is MatchType.HOST:
        return host + ")/", host + "*"
    return (host + ("," if "," not in host else ")/")), host + "-"


def cdx_lines(session: Session, query: CdxQuery) -> list[CdxLine]:
    """The query's lines, sorted by key then timestamp, the first ``limit`` of them."""
    start, end = key_range(query.url, query.match)
    earliest = _stamp(query.start) if query.start else ""
    latest = _stamp(query.end) if query.end else "9" * 14
    lines = [
        line
        for _article, rows in groupby(
            session.execute(range_query(start, end)), key=lambda row: row[0].article_id
        )
        for line in map(cdx_line, article_captures(rows))
        if start <= line.urlkey < end and earliest <= line.timestamp <= latest
    ]
    lines.sort(key=lambda line: (line.urlkey, line.timestamp))
    return lines[: query.limit]


def range_query(start: str, end: str) -> Select[FetchRow, int]:
    """The captures' rows of the articles whose SURT key is in ``[start, end)``."""
    articles = select(ArticleRow.id).where(ArticleRow.surt_key >= start, ArticleRow.surt_key < end)
    return captures_query(articles)


def cdx_line(capture: CaptureInfo) -> CdxLine:
    """The line of one capture: the fields of its WARC record in a CDXJ index."""
    if capture.is_revisit:
        mime: str | None = REVISIT_MIME
    else:
        declared = header_value(capture.response_headers, "Content-Type")
        mime = _MIME_END.split(declared, maxsplit=1)[0].strip() if declared else None
    return CdxLine(
        urlkey=surt_key(capture.final_url),
        timestamp=memento_stamp(capture.fetched_at),
        url=capture.final_url,
        mime=mime,
        status=None if capture.not_modified else str(capture.status),
        digest=payload_digest(capture.raw_sha256),
    )


def payload_digest(hex_digest: str) -> str:
    """A hex SHA-256 in the ``sha256:BASE32`` form of WARC digest headers and CDXJ lines."""
    return f"{DIGEST_ALGORITHM}:{base64.b32encode(bytes.fromhex(hex_digest)).decode()}"


def _stamp(when: datetime) -> str:
    """The 14-digit stamp of a query's bound, a naive one read as UTC."""
    return memento_stamp(when if when.tzinfo else when.replace(tzinfo=UTC))
