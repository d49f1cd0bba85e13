"""What a crawl files, and the one transaction that files a batch of it.

Every fetch of a crawl ends here as one entry: a page with its extraction,
a page that holds no article (and why), an archived article's answer that
it is gone, a fetch that brought no page (a 304, an error, a refusal), or a
page requisite.  The objects an entry names were
written before it came (a worker stored the raw page); the objects filing
adds (each new text, each new version's metadata) are held and written
together just before the transaction commits.  Entries are filed in order,
so a page deduplicates against those before it; 304s go last, together.
A batch is filed completely or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from newsarchive.records import ArchiveOutcome, Capture, Extraction, Fetch, FetchOutcome
from newsarchive.storage.catalog.models import RequisiteRow
from newsarchive.storage.catalog.statements import insert_ignoring_conflicts
from newsarchive.storage.filing import fetches, notmodified, requisites, versions
from newsarchive.storage.filing.texts import PreparedText
from newsarchive.storage.objects import HeldPuts, ObjectStore
from newsarchive.storage.objects.rawpages import StoredRaw
from newsarchive.storage.reading import fulltext


@dataclass(frozen=True, slots=True)
class ExtractedPage:
    """A fetched page ready for its rows: raw object written, extraction made, text signed."""

    fetch: Fetch
    raw: StoredRaw
    extraction: Extraction
    text: PreparedText | None

    @property
    def outlet(self) -> str:
        return self.fetch.outlet


@dataclass(frozen=True, slots=True)
class FailedPage:
    """A fetched page that holds no article: its row is kept, with the reason.

    ``raw`` names its stored body (None when it had none, or when the body
    is the one an earlier row names already); the row stays off the redo
    list until ``reextract --failed`` asks for it.
    """

    fetch: Fetch
    raw: StoredRaw | None
    reason: str

    @property
    def outlet(self) -> str:
        return self.fetch.outlet


@dataclass(frozen=True, slots=True)
class GonePage:
    """An archived article's answer that it is no longer there: a capture, never a text.

    ``raw`` names the body as served.  Filed against the article its URL
    names; when the archive holds none (the URL was never archived), it
    stays a failed fetch.
    """

    fetch: Fetch
    raw: StoredRaw

    @property
    def outlet(self) -> str:
        return self.fetch.outlet


@dataclass(frozen=True, slots=True)
class KeptRequisite:
    """A page requisite's fetch, its bytes stored (or found stored) by digest."""

    capture: Capture
    stored: requisites.StoredRequisite

    @property
    def outlet(self) -> str:
        return self.capture.outlet


Entry = ExtractedPage | FailedPage | GonePage | KeptRequisite | Fetch
"""One thing a crawl files; a bare :class:`Fetch` is one that brought no page to extract."""


def file_batch(
    session: Session, store: ObjectStore, entries: Sequence[Entry]
) -> list[ArchiveOutcome]:
    """File ``entries`` in this transaction; one outcome each, in their order.

    A bare fetch that failed or was declined ends FAILED or SKIPPED (its row
    says why); a 304 ends UNCHANGED; a gone page FAILED, as the run got no
    text (its row is a capture of the article all the same); a requisite NEW when its bytes were new
    to the archive, UNCHANGED otherwise.
    """
    outlets = fetches.outlet_ids(session, {entry.outlet for entry in entries})
    outcomes: list[ArchiveOutcome] = []
    refetched: list[dict[str, Any]] = []
    with held_until_commit(session, store) as (objects, search):
        for entry in entries:
            outcomes.append(_filed(session, objects, search, entry, outlets, refetched))
        if refetched:
            notmodified.record(session, refetched)
    return outcomes


def file_recorded(
    session: Session,
    store: ObjectStore,
    fetch: Row[Any],
    outlet: str,
    extraction: Extraction,
    text: PreparedText | None,
) -> ArchiveOutcome:
    """File the extraction of a fetch recorded earlier, whose row this transaction holds."""
    with held_until_commit(session, store) as (objects, search):
        return versions.file_fetch(session, objects, fetch, outlet, extraction, text, search)


@contextmanager
def held_until_commit(
    session: Session, store: ObjectStore
) -> Iterator[tuple[HeldPuts, fulltext.SearchDocuments]]:
    """The objects and search documents filing adds, written together at the block's end,
    before the transaction commits, so no row names what is not there yet."""
    objects, search = HeldPuts(store), fulltext.SearchDocuments()
    yield objects, search
    search.write(session)
    objects.write()


def fetch_of(entry: Entry) -> Fetch | None:
    """The fetch an entry files; None for a requisite, kept by the digest of its bytes."""
    if isinstance(entry, KeptRequisite):
        return None
    return entry if isinstance(entry, Fetch) else entry.fetch


def _filed(
    session: Session,
    objects: HeldPuts,
    search: fulltext.SearchDocuments,
    entry: Entry,
    outlets: dict[str, int],
    refetched: list[dict[str, Any]],
) -> ArchiveOutcome:
    """One entry's rows (a 304's values go to ``refetched``, recorded together)."""
    match entry:
        case ExtractedPage(fetch, raw, extraction, text):
            row = fetches.recorded(session, fetch, raw, outlets[fetch.outlet])
            return versions.file_fetch(
                session, objects, row, fetch.outlet, extraction, text, search
            )
        case FailedPage(fetch, raw, reason):
            row = fetches.recorded(session, fetch, raw, outlets[fetch.outlet])
            fetches.mark_failed(session, row.id, reason)
            return ArchiveOutcome.FAILED
        case GonePage(fetch, raw):
            row = fetches.recorded(session, fetch, raw, outlets[fetch.outlet])
            fetches.file_gone(session, row)
            return ArchiveOutcome.FAILED
        case KeptRequisite(capture, stored):
            values = requisites.row_values(outlets[capture.outlet], capture, stored)
            insert_ignoring_conflicts(session, RequisiteRow, values, ["url", "fetched_at"])
            return ArchiveOutcome.NEW if stored.new else ArchiveOutcome.UNCHANGED
        case Fetch(outcome=FetchOutcome.NOT_MODIFIED):
            refetched.append(fetches.fetch_values(entry, None, outlets[entry.outlet]))
            return ArchiveOutcome.UNCHANGED
        case Fetch():
            fetches.recorded(session, entry, None, outlets[entry.outlet])
            return ArchiveOutcome.SKIPPED if entry.outcome.declined else ArchiveOutcome.FAILED
