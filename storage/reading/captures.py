"""An article's captures over time, and the one rule that picks a capture for a moment.

Versions are distinct texts; captures are every time the archive saw the
page: a fetch that brought bytes, a conditional refetch the server
answered 304, or the answer that an archived article is gone (404, 410,
451, a redirect elsewhere).  Memento (RFC 7089) TimeMaps list captures, a TimeGate picks
one for an ``Accept-Datetime``, and a WARC export writes one record each.
Which capture answers for a moment is decided here once, by :func:`nearest`,
for ``get --at``, the TimeGate and the viewer alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session

from newsarchive.errors import NotFoundError
from newsarchive.records import FetchOutcome
from newsarchive.storage.catalog.models import FetchRow, VersionRow
from newsarchive.storage.objects import layout
from newsarchive.storage.reading.snapshots import find_article
from newsarchive.storage.results import CaptureInfo

MEMENTO_STAMP = "%Y%m%d%H%M%S"
"""The 14-digit timestamp of Wayback-style URLs and CDXJ lines (UTC, to the second)."""


def captures(session: Session, url: str) -> list[CaptureInfo]:
    """Every capture of the article ``url`` names, oldest first; NotFoundError when none.

    Only filed fetches count (a page whose extraction failed is no capture
    of an article).  A 304 repeats the last page captured before it (a 304
    before any stored page has nothing to repeat and is left out).  A gone
    page is a capture too, dated from the first of the gone answers in a row.
    """
    article, _outlet = find_article(session, url)
    found = article_captures(session.execute(captures_query([article.id])))
    if not found:
        raise NotFoundError(f"no captures archived for {url}")
    return found


def captures_query(article_ids: Select[int] | list[int]) -> Select[FetchRow, int]:
    """The filed fetches of these articles with their version numbers, article by article,
    in capture order: what :func:`article_captures` reads."""
    return (
        select(FetchRow, VersionRow.number)
        .join(VersionRow, VersionRow.id == FetchRow.version_id)
        .where(FetchRow.article_id.in_(article_ids), FetchRow.outcome.in_(_CAPTURES))
        .order_by(FetchRow.article_id, FetchRow.fetched_at, FetchRow.id)
    )


def article_captures(rows: Iterable[Row[FetchRow, int]]) -> list[CaptureInfo]:
    """The captures of one article's rows from :func:`captures_query`, oldest first."""
    found: list[CaptureInfo] = []
    page: CaptureInfo | None = None  # the last capture that served the article
    first_seen: dict[str, datetime] = {}  # raw SHA-256 -> when those bytes were first captured
    for fetch, number in rows:
        if fetch.outcome == FetchOutcome.NOT_MODIFIED.value:
            if page is not None:
                page = _capture(fetch, number, page.raw_sha256, first_seen[page.raw_sha256])
                found.append(page)
            continue
        if fetch.raw_sha256 is None:
            continue
        original = first_seen.setdefault(fetch.raw_sha256, fetch.fetched_at)
        revisit_of = None if original == fetch.fetched_at else original
        capture = _capture(fetch, number, fetch.raw_sha256, revisit_of)
        if fetch.outcome == FetchOutcome.GONE.value:
            since = found[-1].gone_since if found and found[-1].gone else fetch.fetched_at
            capture = replace(capture, gone_since=since)
        else:
            page = capture
        found.append(capture)
    return found


_CAPTURES = [FetchOutcome.FETCHED.value, FetchOutcome.NOT_MODIFIED.value, FetchOutcome.GONE.value]


def _capture(
    fetch: FetchRow, version: int, raw_sha256: str, revisit_of: datetime | None
) -> CaptureInfo:
    not_modified = fetch.outcome == FetchOutcome.NOT_MODIFIED.value
    return CaptureInfo(
        url=fetch.url,
        fetch_id=fetch.id,
        fetched_at=fetch.fetched_at,
        status=fetch.status or (304 if not_modified else 200),
        version=version,
        raw_sha256=raw_sha256,
        requested_url=fetch.requested_url or fetch.url,
        final_url=fetch.final_url or fetch.url,
        request_headers=layout.headers_from_json(fetch.request_headers),
        response_headers=layout.headers_from_json(fetch.response_headers),
        revisit_of=revisit_of,
        not_modified=not_modified,
    )


def nearest(found: list[CaptureInfo], at: datetime) -> CaptureInfo:
    """The capture nearest to ``at``; on a tie, the one at or before it.

    This is what Wayback machines and RFC 7089 TimeGates do: the closest
    memento in either direction, so a moment before the first capture still
    finds one.  Ties go to the earlier capture, the page as it already stood.
    """
    if not found:
        raise NotFoundError("no captures to choose from")
    before = [c for c in found if c.fetched_at <= at]
    after = [c for c in found if c.fetched_at > at]
    candidates = [*before[-1:], *after[:1]]
    return min(candidates, key=lambda c: abs((c.fetched_at - at).total_seconds()))


def memento_stamp(when: datetime) -> str:
    """The 14-digit UTC timestamp of a capture."""
    return when.astimezone(UTC).strftime(MEMENTO_STAMP)


def at_stamp(found: list[CaptureInfo], stamp: str) -> CaptureInfo | None:
    """The capture taken in the second ``stamp`` names (the latest one, if several)."""
    same = [c for c in found if memento_stamp(c.fetched_at) == stamp]
    return same[-1] if same else None
