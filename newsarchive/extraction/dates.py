"""Publication dates: every candidate is kept, one is chosen by a fixed precedence.

Precedence for ``published`` (lower rank wins, first found wins within a rank):

0. ``profile:*``        outlet rules that know where the *original* date is
                        written (an aggregator's item date line beats its own
                        listing date, which is what its metadata carries);
1. ``json-ld:datePublished`` of an Article/NewsArticle/... object;
2. ``meta:article:published_time`` (OpenGraph), then
3. other ``meta:*`` publication tags (``datePublished`` itemprop, ``pubdate``,
   Dublin Core, Parse.ly, Sailthru ...);
4. ``time:datetime``    a ``<time datetime>`` marked as the publication time,
   else the first ``<time datetime>`` of the page;
5. ``json-ld:WebPage:datePublished``  the CMS page's date;
6. ``discovery:<via>``  the date a feed or sitemap gave: evidence about the
   URL, not the page's own statement, so below everything the page says;
7. ``htmldate``         a heuristic guess from the page's markup, searched for only
                        when the page states no date in its metadata or ``<time>``
                        (ranks 1-5): it is the costliest step of an extraction.
                        A profile's or a discovery date does not spare it, since
                        it records what the page itself shows (an aggregator's
                        listing date beside the item's own).

Values keep the offset the page gives.  A value that cannot be the date of a
web page stays among the candidates, marked rejected with the reason, and is
never chosen, so the next candidate is: one with no instant in UTC (year 1 at
+14:00), one before ``EARLIEST`` (a CMS's empty date, ``0001-01-01`` or the
Unix epoch, is no publication date; why 1990: decision record 0029), and one
more than ``FUTURE_SLACK`` after the capture (a page cannot have been
published after it was fetched; a day covers the world's offsets and a clock
a little fast).
A value with no time of day (such as ``2021-03-23``) becomes a *naive*
``datetime`` at midnight; serialisation prints a naive midnight as a bare ISO
date.  Naive values with a time of day (``2026-02-23 18:07``) stay naive: the
page did not say which zone it meant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from newsarchive.extraction.page import Page
from newsarchive.extraction.page_metadata import ARTICLE_TYPES, PAGE_TYPES, PageMetadata
from newsarchive.records import DateCandidate, Discovery, in_utc

PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "article.published",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.created",
    "date",
)
MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "dc.date.modified")

_RANKS: tuple[tuple[str, int], ...] = (
    ("profile:", 0),
    ("json-ld:datePublished", 1),
    ("meta:article:published_time", 2),
    ("meta:", 3),
    ("time:", 4),
    ("json-ld:WebPage:", 5),
    ("discovery:", 6),
    ("htmldate", 7),
)
_UNRANKED = len(_RANKS)

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)


def _time_datetimes(page: Page) -> list[str]:
    """``<time datetime>`` values marked as the publication time, else the page's first one.

    The page's ``<time>`` elements come from its one walk for landmarks.
    """
    times = [element for element in page.landmarks.times if element.get("datetime")]
    marked = [
        element
        for element in times
        if element.get("itemprop") == "datePublished"
        or element.get("pubdate") is not None
        or "published" in (element.get("class") or "").split()
    ]
    return [str(element.get("datetime")) for element in marked or times[:1]]


def parse_date(value: str) -> datetime | None:
    """An ISO 8601 date or timestamp (extended or basic form) -> datetime; None if not one."""
    text = value.strip()
    if len(text) < 8:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def rank(candidate: DateCandidate) -> int:
    return next((r for prefix, r in _RANKS if candidate.source.startswith(prefix)), _UNRANKED)


def choose(candidates: Iterable[DateCandidate]) -> DateCandidate | None:
    """The usable candidate of best rank; among equals, the first collected."""
    return min((c for c in candidates if c.rejected is None), key=rank, default=None)


def implausible(value: datetime, captured: datetime) -> str | None:
    """Why ``value`` cannot be when a page fetched at ``captured`` was published; None if it can."""
    instant = in_utc(value)
    if instant is None:
        return "no instant in UTC (outside the calendar's range)"
    if instant < EARLIEST:
        return f"before {EARLIEST.year}, older than news on the web"
    if instant > captured + FUTURE_SLACK:
        return "more than a day after the page was captured"
    return None


def _checked(candidate: DateCandidate, captured: datetime) -> DateCandidate:
    """An implausible value is kept as evidence, marked with why it is never chosen."""
    if candidate.rejected is None:
        reason = implausible(candidate.value, captured)
        return replace(candidate, rejected=reason) if reason else candidate
    return candidate


def _candidate(source: str, value: object) -> DateCandidate | None:
    parsed = parse_date(value) if isinstance(value, str) else None
    return DateCandidate(source=source, value=parsed) if parsed else None


def _published_in_page(meta: PageMetadata, page: Page) -> Iterator[DateCandidate | None]:
    for value in meta.json_ld_values(ARTICLE_TYPES, "datePublished"):
        yield _candidate("json-ld:datePublished", value)
    for name in PUBLISHED_META:
        for value in meta.all(name):
            yield _candidate(f"meta:{name}", value)
    for value in _time_datetimes(page):
        yield _candidate("time:datetime", value)
    for value in meta.json_ld_values(PAGE_TYPES, "datePublished"):
        yield _candidate("json-ld:WebPage:datePublished", value)


def published_candidates(
    meta: PageMetadata,
    page: Page,
    *,
    profile_dates: Iterable[DateCandidate | None] = (),
    captured: datetime,
    discovery: Discovery | None = None,
    text_search: Callable[[], str | None] | None = None,
) -> tuple[DateCandidate, ...]:
    """Every publication date the page, the profile and the discovery offered, in rank order.

    ``captured`` is when the page was fetched (aware).  ``text_search``
    (htmldate) is called only when the page's metadata gave no plausible date.
    """
    stated = [_checked(c, captured) for c in _published_in_page(meta, page) if c]
    found = [_checked(c, captured) for c in profile_dates if c is not None]
    found += stated
    if discovery is not None and discovery.published is not None:
        offered = DateCandidate(source=f"discovery:{discovery.via}", value=discovery.published)
        found.append(_checked(offered, captured))
    if text_search is not None and all(c.rejected for c in stated):
        guess = text_search()
        found_by_text = _candidate("htmldate", guess) if guess else None
        found += [_checked(found_by_text, captured)] if found_by_text else []
    return tuple(sorted(found, key=rank))


def modified_date(
    meta: PageMetadata, discovery: Discovery | None, captured: datetime
) -> datetime | None:
    """Last modification: JSON-LD, then meta tags, then what the discovery source said.

    Held to the same plausibility as a publication date: a CMS's empty
    ``dateModified`` is no modification.
    """
    values = [*meta.json_ld_values(ARTICLE_TYPES, "dateModified")]
    values += [v for name in MODIFIED_META for v in meta.all(name)]
    for value in values:
        parsed = parse_date(value) if isinstance(value, str) else None
        if parsed and implausible(parsed, captured) is None:
            return parsed
    offered = discovery.modified if discovery is not None else None
    return offered if offered is not None and implausible(offered, captured) is None else None
