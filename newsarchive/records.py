"""The typed records that travel between the rooms, each defined once.

A stage takes records and returns records: spiders produce :class:`Fetch`
results (a :class:`Capture` when a page was received), extraction turns a
capture into an :class:`Extraction`, storage files both and answers with an
:class:`ArchiveOutcome`.  They are plain frozen dataclasses so that every room
can use them without importing Scrapy, SQLAlchemy or Prefect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

Headers = tuple[tuple[str, str], ...]
"""HTTP headers as received: order and repeated names are kept."""


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


class ArchiveOutcome(StrEnum):
    """How the archive filed one capture (the columns of a run summary)."""

    NEW = "new"  # first capture of this canonical URL
    UPDATED = "updated"  # same URL, changed text: a new version
    UNCHANGED = "unchanged"  # same URL, same text (or 304): last_seen moves
    DUPLICATE = "duplicate"  # new URL whose text is (nearly) that of another article
    FAILED = "failed"  # fetched but not archivable (extraction failed)


@dataclass(frozen=True, slots=True)
class Discovery:
    """How a URL was found, with the dates and titles the source gave for it.

    Feed and sitemap dates are kept as evidence beside the page's own date:
    they are often the only reliable date for pages without metadata.
    """

    via: str  # "feed" | "sitemap" | "news-sitemap" | "listing"
    source_url: str  # the feed, sitemap or listing page that linked the article
    published: datetime | None = None
    modified: datetime | None = None
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
    ``url`` is the article's canonical URL, its identity in the archive.
    """

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
        wanted = name.lower()
        return next((v for k, v in self.response_headers if k.lower() == wanted), None)


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
    value: datetime


@dataclass(frozen=True, slots=True)
class Extraction:
    """What trafilatura and an outlet profile read from one page."""

    url: str
    profile: str
    title: str | None
    text: str
    author: str | None = None
    language: str | None = None
    published: datetime | None = None
    modified: datetime | None = None
    date_source: str | None = None
    sitename: str | None = None
    description: str | None = None
    original_source: str | None = None  # syndication: who published it first
    original_url: str | None = None
    tags: tuple[str, ...] = ()
    date_candidates: tuple[DateCandidate, ...] = field(default=())
