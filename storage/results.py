"""What the archive hands back to its callers: frozen, catalog-free values.

Callers (flows, CLI) never see ORM objects, so a closed session can never
leak lazy loads into their code, and these values can cross process
boundaries (Prefect tasks) as plain dataclasses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urljoin

from newsarchive.records import (
    ArchiveOutcome,
    DocumentCheck,
    FetchOutcome,
    Headers,
    RobotsFile,
    RunCounts,
    header_value,
)


class ExtractionState(StrEnum):
    """Where a fetch stands with extraction; kept as short strings in the catalog."""

    NONE = "none"  # nothing to extract (no page, or not an HTML 200)
    PENDING = "pending"  # raw stored, extraction not filed yet: redo candidates
    FILED = "filed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class FetchRecord:
    """A fetch as the catalog holds it; the handle used to file its extraction."""

    id: int
    outlet: str
    url: str
    outcome: FetchOutcome
    fetched_at: datetime
    status: int | None
    raw_key: str | None
    raw_sha256: str | None
    extraction_state: ExtractionState
    archive_outcome: ArchiveOutcome | None = None
    version: int | None = None
    attempts: int = 1


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    """One line of an archive listing: the article and its latest version."""

    url: str
    outlet: str
    title: str | None
    published: datetime | None
    first_seen: datetime
    last_seen: datetime
    versions: int
    sha256: str
    duplicate_of: str | None


@dataclass(frozen=True, slots=True)
class OutletSummary:
    """One outlet at a glance: what the archive holds of it and its last crawl run."""

    name: str
    articles: int
    duplicates: int
    versions: int
    last_seen: datetime | None
    last_run: datetime | None
    last_run_new: int | None
    last_run_updated: int | None


@dataclass(frozen=True, slots=True)
class Change:
    """An article that changed: it has a new version, or it is gone (NewsDiffs' front page).

    ``version`` is the new version of an update, and the last version archived
    before an article went; ``status`` is what a gone article answered.
    """

    url: str
    outlet: str
    title: str | None
    at: datetime  # when the change was captured
    kind: str  # "updated" or "gone"
    version: int
    status: int | None = None


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """One distinct text of an article and the span during which it was seen."""

    version: int
    fetched_at: datetime
    last_seen: datetime
    sha256: str
    title: str | None
    published: datetime | None


@dataclass(frozen=True, slots=True)
class CdxLine:
    """One capture as a CDX server lists it, with the fields a CDXJ index of its WARC record has.

    ``mime`` and ``status`` are None where the index has none: a 304's
    revisit record carries no HTTP headers, and a response may declare no type.
    """

    urlkey: str  # SURT of ``url``
    timestamp: str  # 14 digits, UTC
    url: str  # what was fetched in the end: the WARC record's target
    mime: str | None
    status: str | None
    digest: str  # of the payload, as the WARC record's ``WARC-Payload-Digest``


@dataclass(frozen=True, slots=True)
class CaptureInfo:
    """One capture of an article: a fetch that answered with the page, or said it was unchanged.

    A capture whose bytes were archived before (the same payload, or a 304
    to a conditional refetch) is a *revisit*: ``revisit_of`` is when those
    bytes were first captured, and ``not_modified`` tells a 304 from a
    refetch that brought identical bytes.  A capture whose ``gone_since`` is
    set is the answer of a page no longer there (see :attr:`gone`): its
    status, headers and body are what was served instead of the article, and
    ``version`` is the last text archived before.  Captures are what Memento
    calls mementos and what a WARC export writes as response or revisit records.
    """

    url: str  # the canonical URL the fetch was filed under
    fetch_id: int
    fetched_at: datetime
    status: int
    version: int  # the text current at this capture
    raw_sha256: str  # of the page served: for a revisit, the original's
    requested_url: str
    final_url: str
    request_headers: Headers
    response_headers: Headers
    revisit_of: datetime | None = None
    not_modified: bool = False
    gone_since: datetime | None = None  # a "gone" capture: when the article's run of them began

    @property
    def is_revisit(self) -> bool:
        return self.revisit_of is not None

    @property
    def gone(self) -> bool:
        """The page no longer served: a 404, 410 or 451, or a redirect to another article."""
        return self.gone_since is not None

    @property
    def location(self) -> str | None:
        """Where a gone capture's redirect pointed (its ``Location`` header), else None."""
        if not self.gone or not 300 <= self.status < 400:
            return None
        location = header_value(self.response_headers, "Location")
        return urljoin(self.final_url, location) if location else None

    def gone_note(self) -> str:
        """``gone since <time>, HTTP 410`` (``, to <URL>`` for a redirect): how it is shown."""
        assert self.gone_since is not None
        moved = f", to {self.location}" if self.location else ""
        return f"gone since {self.gone_since.isoformat()}, HTTP {self.status}{moved}"


@dataclass(frozen=True, slots=True)
class RequisiteInfo:
    """One fetch of a page requisite (stylesheet, image), as an export writes it.

    Like a :class:`CaptureInfo`, a fetch whose bytes this URL already gave is
    a revisit of the first (``revisit_of``).
    """

    url: str
    fetched_at: datetime
    status: int
    final_url: str
    request_headers: Headers
    response_headers: Headers
    raw_sha256: str
    page_url: str | None
    revisit_of: datetime | None = None
    not_modified: bool = False  # requisites are never fetched conditionally

    @property
    def is_revisit(self) -> bool:
        return self.revisit_of is not None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """An article as it stood at one moment: the page as fetched, its text and metadata."""

    url: str
    outlet: str
    version: int
    fetched_at: datetime
    raw: bytes
    text: str
    meta: dict[str, Any]
    duplicate_of: str | None = None
    capture: CaptureInfo | None = None  # when the snapshot is of one capture, that capture


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A full-text match; ``score`` grows with relevance on both catalogs.

    ``version`` is the version whose text matched best (the latest, unless
    every version was searched) and ``versions`` every version that matched,
    oldest first; ``duplicates`` are the copies of this article that matched
    too, folded under it.
    """

    url: str
    outlet: str
    title: str | None
    snippet: str
    score: float
    version: int = 1
    fetched_at: datetime | None = None
    published: datetime | None = None
    duplicate_of: str | None = None
    duplicates: tuple[str, ...] = ()
    versions: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """Objects re-read from the store and compared with the catalog's SHA-256."""

    checked: int
    missing: list[str] = field(default_factory=list)
    corrupted: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # "key: why" (a directory, no access)
    leftovers: list[str] = field(default_factory=list)  # temporary files killed writers left
    leftovers_removed: bool = False

    @property
    def ok(self) -> bool:
        """Nothing archived is lost or damaged (leftovers are neither: they are never named)."""
        return not self.missing and not self.corrupted and not self.unreadable


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """An outlet as the outlets file has it, for the fleet's states to follow."""

    outlet: str
    collection: str = "default"
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class Polled:
    """What a run found besides the outlets' states, by outlet: kept in the same transaction."""

    counts: Mapping[str, RunCounts] = field(default_factory=dict)  # the rows of ``crawl_runs``
    documents: Mapping[str, Sequence[DocumentCheck]] = field(default_factory=dict)
    revisited: Mapping[str, Sequence[str]] = field(default_factory=dict)  # article keys
    robots: Sequence[RobotsFile] = ()  # the robots.txt files the run downloaded


@dataclass(frozen=True, slots=True)
class KnownArticle:
    """A known article of an outlet, for its revisit schedule."""

    url: str
    key: str
    first_seen: datetime
    last_seen: datetime
    last_revisit: datetime | None
