"""The typed records that travel between the rooms, each defined once.

A stage takes records and returns records: spiders produce :class:`Fetch`
results (a :class:`Capture` when a page was received), extraction turns a
capture into an :class:`Extraction`, storage files both and answers with an
:class:`ArchiveOutcome`.  They are plain frozen dataclasses so that every room
can use them without importing Scrapy, SQLAlchemy or Prefect.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    GONE = "gone"  # an archived article answered 404, 410, 451 or a redirect elsewhere
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


GONE_STATUSES = frozenset({404, 410, 451})
"""Statuses that say a page is no longer there (not found, gone, removed for legal reasons).

For an article already archived, such an answer (or a redirect to another
article) is a capture of its own: that a story was taken down, and since
when, is often the most important fact about it.  Other errors (5xx, 429,
403) say nothing lasting about the page and stay failed fetches.
"""
MOVED_STATUSES = frozenset({301, 302, 303, 307, 308})


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
    fetched_at: datetime | None = None  # of that fetch: what a listing's modified date is held to


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
class KnownDocument:
    """A discovery document as the last poll left it: what the next one sends and compares."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None  # of the body: a server without validators still says "same"


@dataclass(frozen=True, slots=True)
class RobotsFile:
    """A robots.txt as a host served it: kept so that the next polls need not ask again.

    ``location`` is the origin it rules (``https://example.com``, a port if
    any), as Scrapy reads one robots.txt per host.  ``body`` is kept as
    served whatever the status, so that what it means is decided when it is
    read (a 2xx's rules, a 4xx allows everything), not when it was stored.
    """

    __pydantic_config__ = BYTES_AS_BASE64

    location: str
    status: int
    body: bytes
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class OutletMemory:
    """What the archive knows of an outlet before a poll: its documents, the articles due again,
    and the robots.txt files of its hosts that are fresh enough to stand for a download (each
    in one outlet's memory only: a crawl reads them as one table)."""

    documents: tuple[KnownDocument, ...] = ()
    revisits: tuple[str, ...] = ()  # known articles' URLs whose revisit is due
    robots: tuple[RobotsFile, ...] = ()

    def document(self, url: str) -> KnownDocument | None:
        return next((d for d in self.documents if d.url == url), None)


class DocumentFailure(StrEnum):
    """Why a discovery document could not be read, from the hardest to the softest."""

    GONE = "gone"  # 404 or 410: the address itself is wrong now
    DNS = "dns"  # the host name does not resolve
    REFUSED = "refused"  # robots.txt, the private-address guard, a connection refused
    UNREADABLE = "unreadable"  # answered, but not the kind of document the outlet's kind reads
    SERVER = "server"  # 5xx or 429 after the retries
    TIMEOUT = "timeout"  # no answer in time, a dropped connection

    @property
    def hard(self) -> bool:
        """A failure that waiting will not mend: it counts more and can disable the outlet."""
        return self in _HARD


_HARD = frozenset({DocumentFailure.GONE, DocumentFailure.DNS, DocumentFailure.UNREADABLE})


@dataclass(frozen=True, slots=True)
class DocumentCheck:
    """What one poll saw of one discovery document (a feed, a sitemap, a listing page)."""

    url: str
    status: int | None = None  # None: no answer
    unchanged: bool = False  # 304, or the same bytes as last time
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None
    listed: int = 0  # distinct articles it listed
    unknown: int = 0  # ... that the archive had never fetched
    hint_seconds: int | None = None  # the feed's own polling hint (ttl, sy:updatePeriod)
    retry_after_seconds: int | None = None  # a 429 or 503's Retry-After
    failure: DocumentFailure | None = None
    reason: str | None = None  # the failure in words
    seen_before: bool = False  # an earlier poll read it: its unknown articles are news
    entries: int | None = None  # URLs of any sort it listed (articles, sitemaps, next pages)
    # before any was filtered; None: not read as its kind (unchanged, failed)
    listed_per_hour: float | None = None  # the pace its listed articles' own dates show

    @property
    def empty(self) -> bool:
        """Read, and listed nothing at all: a document that should list articles and did not."""
        return self.failure is None and self.entries == 0

    @property
    def overflowed(self) -> bool:
        """Every listed article was unknown to a document read before: its window rolled over
        since the last poll, and articles were probably missed."""
        return self.seen_before and self.listed >= 2 and self.unknown == self.listed


class OutletStatus(StrEnum):
    """An outlet's health, as its polls left it."""

    WORKING = "working"
    FAILING = "failing"  # its last poll could not crawl it at all
    STALE = "stale"  # polled fine, but no new article for too long
    PAUSED = "paused"  # ``enabled = false`` in the outlets file
    DISABLED = "disabled"  # failed hard again and again: left out until enabled again

    @property
    def urgency(self) -> int:
        """Where the status sorts when an operator looks: failing first, paused last."""
        return _URGENCY.index(self)


_URGENCY = (
    OutletStatus.FAILING,
    OutletStatus.DISABLED,
    OutletStatus.STALE,
    OutletStatus.WORKING,
    OutletStatus.PAUSED,
)


@dataclass(frozen=True, slots=True)
class OutletState:
    """An outlet's schedule and health in the catalog: what the fleet polls by, and shows."""

    outlet: str
    collection: str = "default"
    status: OutletStatus = OutletStatus.WORKING
    reason: str | None = None  # why it is failing, stale or disabled
    failures: float = 0.0  # consecutive failed polls, weighted by how hard they failed
    interval_seconds: int = 0  # the schedule's current gap between two polls (0: none yet)
    next_due: datetime | None = None  # None: due now
    rate_per_hour: float = 0.0  # new articles an hour, as its polls measured it
    first_poll: datetime | None = None
    last_poll: datetime | None = None
    last_success: datetime | None = None
    last_new_article: datetime | None = None
    empty_polls: int = 0  # polls in a row that found no new article
    alerts: tuple[str, ...] = ()  # the alert events standing for it (raised once, until cleared)


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

    @classmethod
    def total(cls, counts: Iterable[RunCounts]) -> RunCounts:
        """The counts of several outlets' runs added up, column by column."""
        rows = list(counts)
        return cls(*(sum(getattr(row, name) for row in rows) for name in cls.columns()))


@dataclass(frozen=True, slots=True)
class Progress:
    """How far one outlet's crawl has come, while it runs."""

    outlet: str
    fetched: int  # pages received so far
    filed: int  # discovered URLs that have ended (archived, skipped or failed)
    budget: int  # the most requests the crawl may make
    done: bool = False  # the crawl ended having done its work (it did not fail, nothing was cut)

    @property
    def share(self) -> float:
        """Filed against the budget, 0 to 1 (1 once done): the budget bounds the work to come.

        A crawl that ended without doing its work (it failed, or the deadline
        cut it) is not done: it reads what it got through, 0 when it fetched
        nothing, never a full bar.
        """
        if self.done or not self.budget:
            return 1.0
        return min(1.0, self.filed / self.budget)
