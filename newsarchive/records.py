"""The typed records that travel between the rooms, each defined once.

A stage takes records and returns records: spiders produce :class:`Fetch`
results (a :class:`Capture` when a page was received), extraction turns a
capture into an :class:`Extraction`, storage files both and answers with an
:class:`ArchiveOutcome`.  They are plain frozen dataclasses so that every room
can use them without importing Scrapy, SQLAlchemy or Prefect.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, time
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, PlainSerializer

Headers = tuple[tuple[str, str], ...]
"""HTTP headers as received: order and repeated names are kept."""

HTML_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml"})
"""Media types that are archived as pages; anything else declared by a server is not."""


def header_value(headers: Headers | None, name: str) -> str | None:
    """The first header called ``name`` (case-insensitive), or None."""
    wanted = name.lower()
    return next((v for k, v in headers or () if k.lower() == wanted), None)


def media_type(content_type: str | None) -> str:
    """``text/html; charset=utf-8`` -> ``text/html`` (empty when none was declared)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_date_only(value: datetime) -> bool:
    """True for the naive-midnight convention that stands for "a date, no time known"."""
    return value.tzinfo is None and value.time() == time.min


def page_date_text(value: datetime) -> str:
    """ISO 8601 with the page's offset, or a bare date for a date-only value."""
    return value.date().isoformat() if is_date_only(value) else value.isoformat()


def in_utc(value: datetime) -> datetime | None:
    """The instant in aware UTC (a naive value is taken as UTC), or None when it has none.

    The catalog keeps every date in UTC, and a date at the calendar's edge
    (year 1 at +14:00, year 9999 at -14:00) falls off it when converted: such
    a value is evidence that cannot be used, never a reason to fail a page.
    """
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        return None


PageDate = Annotated[datetime, PlainSerializer(page_date_text, when_used="json")]
"""A date as a page or feed stated it: its own offset kept, a bare date when it gave no time."""

BYTES_AS_BASE64 = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")


class FetchOutcome(StrEnum):
    """What one fetch attempt came to; every attempt is recorded with one."""

    FETCHED = "fetched"  # an HTML page was received (status 200)
    NOT_MODIFIED = "not-modified"  # a conditional refetch answered 304
    HTTP_ERROR = "http-error"  # 4xx/5xx after the retries
    NETWORK_ERROR = "network-error"  # timeout, refused connection, DNS failure
    TOO_LARGE = "too-large"  # aborted while downloading past the size limit
    NOT_HTML = "not-html"  # PDF, image or other content that is no article
    REDIRECT_LOOP = "redirect-loop"  # too many redirects
    REFUSED = "refused"  # robots.txt, private address or scheme not allowed

    @property
    def declined(self) -> bool:
        """The crawler said no on purpose (a rule or limit of ours): skipped, not failed."""
        return self in _DECLINED


_DECLINED = frozenset({FetchOutcome.REFUSED, FetchOutcome.NOT_HTML, FetchOutcome.TOO_LARGE})


class ArchiveOutcome(StrEnum):
    """How one discovered URL ended in a run (the columns of a run summary)."""

    NEW = "new"  # first capture of this article
    UPDATED = "updated"  # same article, changed text: a new version
    UNCHANGED = "unchanged"  # same article, same text (or 304): last_seen moves
    DUPLICATE = "duplicate"  # new article whose text is (nearly) that of another one
    SKIPPED = "skipped"  # declined on purpose: robots.txt, not HTML, too large, out of pattern
    FAILED = "failed"  # went wrong: HTTP or network error, no text, not storable

    @property
    def archived(self) -> bool:
        """The article is in the archive as of this run."""
        return self in _ARCHIVED


_ARCHIVED = frozenset(
    {ArchiveOutcome.NEW, ArchiveOutcome.UPDATED, ArchiveOutcome.UNCHANGED, ArchiveOutcome.DUPLICATE}
)


@dataclass(frozen=True, slots=True)
class Discovery:
    """How a URL was found, with the dates and titles the source gave for it.

    Feed and sitemap dates are kept as evidence beside the page's own date:
    they are often the only reliable date for pages without metadata.
    """

    via: str  # "feed" | "sitemap" | "news-sitemap" | "listing"
    source_url: str  # the feed, sitemap or listing page that linked the article
    published: PageDate | None = None
    modified: PageDate | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Validators:
    """What a conditional refetch sends: the validators of the last fetch."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Capture:
    """One HTTP response as received, before anything interprets it.

    ``body`` holds the bytes exactly as sent by the server after transfer
    decoding (gzip/deflate/br removed), which is what an archivist replays.
    ``url`` is the article's canonical URL (:mod:`newsarchive.identity`).
    """

    __pydantic_config__ = BYTES_AS_BASE64

    outlet: str
    url: str
    requested_url: str
    final_url: str
    status: int
    fetched_at: datetime
    request_headers: Headers
    response_headers: Headers
    body: bytes
    discovery: Discovery | None = None

    def header(self, name: str) -> str | None:
        """The first response header called ``name`` (case-insensitive)."""
        return header_value(self.response_headers, name)


@dataclass(frozen=True, slots=True)
class Fetch:
    """One fetch attempt and its outcome; ``capture`` is set when a page came back."""

    outlet: str
    url: str
    outcome: FetchOutcome
    fetched_at: datetime
    status: int | None = None
    error: str | None = None
    capture: Capture | None = None
    discovery: Discovery | None = None
    attempts: int = 1  # requests this outcome took: retries of 5xx and timeouts included


@dataclass(frozen=True, slots=True)
class DateCandidate:
    """One place a publication date was found, kept so the choice can be audited."""

    source: str  # e.g. "meta:article:published_time", "json-ld", "profile:kcna-line", "feed"
    value: PageDate
    rejected: str | None = None  # why the value can never be chosen (kept as evidence)


@dataclass(frozen=True, slots=True)
class Extraction:
    """What trafilatura and an outlet profile read from one page."""

    url: str
    profile: str
    title: str | None
    text: str
    author: str | None = None
    language: str | None = None
    published: PageDate | None = None
    modified: PageDate | None = None
    date_source: str | None = None
    sitename: str | None = None
    description: str | None = None
    original_source: str | None = None  # syndication: who published it first
    original_url: str | None = None
    tags: tuple[str, ...] = ()
    date_candidates: tuple[DateCandidate, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class RunCounts:
    """One outlet's numbers for one run: the summary row, the catalog's ``crawl_runs`` columns."""

    discovered: int = 0  # distinct article URLs found; each ends in one of the columns after
    fetched: int = 0  # pages received (200)
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicate: int = 0
    skipped: int = 0
    failed: int = 0

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        """The counts' names, in the order tables print them."""
        return tuple(f.name for f in fields(cls))


@dataclass(frozen=True, slots=True)
class Progress:
    """How far one outlet's crawl has come, while it runs."""

    outlet: str
    fetched: int  # pages received so far
    filed: int  # discovered URLs that have ended (archived, skipped or failed)
    budget: int  # the most requests the crawl may make
    done: bool = False

    @property
    def share(self) -> float:
        """Filed against the budget, 0 to 1 (1 once done): the budget bounds the work to come."""
        if self.done or not self.budget:
            return 1.0
        return min(1.0, self.filed / self.budget)
