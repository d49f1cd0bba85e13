"""The archive as a crawl writes it: everything a reader can do, and filing.

Every write method runs in one catalog transaction and writes its objects
before the rows that name them, so it can be called again after any failure
(and from several threads or processes at once) without leaving a row that
points at nothing or filing the same thing twice.  A crawl files through
:meth:`Archive.record_and_file`; the one-page methods file a page in two
steps (its fetch, then its extraction), for scripts and for the tests that
hold a crawl's batches to what one page at a time leaves.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Self

from sqlalchemy import update

from newsarchive.errors import NotFoundError
from newsarchive.records import (
    ArchiveOutcome,
    Capture,
    Extraction,
    Fetch,
    KnownDocument,
    OutletState,
    RobotsFile,
    Validators,
)
from newsarchive.storage import catalog
from newsarchive.storage.catalog import claims, leases
from newsarchive.storage.catalog.leases import Busy, Holder
from newsarchive.storage.catalog.models import OutletRow
from newsarchive.storage.filing import batch, conditional, fetches, polls, requisites, robots
from newsarchive.storage.filing.batch import Entry, GonePage, KeptRequisite
from newsarchive.storage.filing.texts import PreparedText
from newsarchive.storage.objects import sha256_hex
from newsarchive.storage.objects.rawpages import StoredRaw, store_raw
from newsarchive.storage.reader import ReadOnlyArchive
from newsarchive.storage.reading import fleet
from newsarchive.storage.results import FetchRecord, KnownArticle, Polled, RosterEntry


class Archive(ReadOnlyArchive):
    """Catalog plus object store, read and written; open with :meth:`open`."""

    @classmethod
    def open(cls, database_url: str, store_url: str, *, create: bool = True) -> Self:
        """Connect, creating the catalog (and a SQLite file's folder) unless ``create`` is off."""
        return cls._opened(database_url, store_url, create=create)

    # -- what a crawl files ---------------------------------------------

    def ensure_outlet(self, name: str, **info: Any) -> None:
        """Register an outlet; ``info`` (JSON-able settings) replaces what was kept."""
        self.ensure_outlets({name: info})

    def ensure_outlets(self, infos: Mapping[str, Mapping[str, Any]]) -> None:
        """Register outlets in one transaction; each one's ``info`` (JSON-able settings)
        replaces what was kept, where it differs: a crawl of 10,000 outlets writes once."""
        with self._writing() as session:
            ids = polls.outlet_ids(session, infos)
            kept = polls.outlet_infos(session, ids.values())
            for name, info in infos.items():
                plain = json.loads(json.dumps(info, default=str))
                if info and kept.get(ids[name]) != plain:
                    session.execute(
                        update(OutletRow).where(OutletRow.id == ids[name]).values(info=plain)
                    )

    def validators(self, outlet: str, keys: Collection[str]) -> dict[str, Validators]:
        """Article key -> validators of its last successful fetch, for those of ``keys`` that
        have any: what a crawl sends in its conditional GETs (see :mod:`.filing.conditional`)."""
        with self._reading() as session:
            return conditional.last_validators(session, outlet, keys)

    def earlier_raw(self, url: str, body_sha256: str) -> StoredRaw | None:
        """The object an earlier fetch of ``url`` stored for the same bytes, if any."""
        failing_as = catalog.unavailable_as_storage_error("catalog read failed")
        with failing_as, self.engine.connect() as connection:  # once a page: no ORM session
            return fetches.earlier_raw(connection, url, body_sha256)

    def keep_requisite(self, capture: Capture) -> KeptRequisite:
        """A requisite's bytes found stored by digest, or written now, before any row names them."""
        with self._reading() as session:
            stored = requisites.stored_object(session, self.store, capture.body)
        return KeptRequisite(capture, stored)

    def keep_gone(self, fetch: Fetch) -> GonePage:
        """A gone page's body stored (or found stored) as raw pages are, before a row names it."""
        if fetch.capture is None:
            raise ValueError(f"{fetch.url}: a gone page without its response")
        return GonePage(fetch, self._kept_raw(fetch.capture))

    def record_and_file(self, entries: Sequence[Entry]) -> list[ArchiveOutcome]:
        """File a crawl's entries (pages, fetches, requisites) in one transaction, in order.

        The way every fetch of a crawl reaches the catalog (see :mod:`.filing.batch`):
        rows for each, a page's extraction deduplicated and filed against
        those before it.  If it fails no row is written, and the caller may
        file each entry on its own.
        """
        with self._writing() as session:
            return batch.file_batch(session, self.store, entries)

    # -- stored pages to extract again -----------------------------------

    def unextracted(self, outlet: str | None = None, *, failed: bool = False) -> list[FetchRecord]:
        """Fetches whose page is stored but whose extraction was never filed.

        With ``failed``, also those whose extraction failed: after a profile is
        fixed they can be extracted again from the stored raw page.
        """
        with self._reading() as session:
            return fetches.unextracted(session, outlet, failed=failed)

    def load_capture(self, record: FetchRecord) -> Capture:
        """The response rebuilt from the stored raw object, checked against its SHA-256."""
        with self._reading() as session:
            return fetches.stored_capture(session, self.store, record)

    # -- one page at a time ----------------------------------------------

    def record_fetch(self, fetch: Fetch, raw: StoredRaw | None = None) -> FetchRecord:
        """Record one fetch, its page stored first; its extraction is filed later.

        ``raw`` is the page already stored by the caller; otherwise its bytes
        are stored here (or found stored by an earlier fetch of the URL).
        """
        if raw is None and fetch.capture is not None and fetch.capture.body:
            raw = self._kept_raw(fetch.capture)
        with self._writing() as session:
            outlet = fetches.outlet_id(session, fetch.outlet)
            return fetches.record_of(session, fetches.recorded(session, fetch, raw, outlet))

    def file_extraction(
        self, record: FetchRecord, extraction: Extraction, text: PreparedText | None = None
    ) -> ArchiveOutcome:
        """Deduplicate and file the text of a recorded fetch; filing twice changes nothing."""
        with self._writing() as session:
            row = fetches.locked(session, record.id)
            if row is None:
                raise NotFoundError(f"no fetch #{record.id} in the catalog")
            return batch.file_recorded(session, self.store, row, record.outlet, extraction, text)

    def mark_extraction_failed(self, record: FetchRecord, reason: str) -> None:
        """Take a fetch off the redo list: its page holds no article (kept for the record)."""
        with self._writing() as session:
            fetches.mark_failed(session, record.id, reason)

    def record_requisite(self, capture: Capture) -> bool:
        """Keep one fetch of a page requisite; True when its bytes were new to the archive."""
        kept = self.keep_requisite(capture)
        self.record_and_file([kept])
        return kept.stored.new

    def _kept_raw(self, capture: Capture) -> StoredRaw:
        body_sha = sha256_hex(capture.body)
        earlier = self.earlier_raw(capture.url, body_sha)
        if earlier is not None:
            return earlier
        return store_raw(self.store, capture.outlet, capture.fetched_at, capture.body, body_sha)

    # -- site leases -----------------------------------------------------

    def try_lease(self, names: Sequence[str], holder: Holder, ttl: timedelta) -> Busy | None:
        """Take the leases of all ``names`` for ``holder``, or none (see :mod:`.catalog.leases`)."""
        with self._writing() as session:
            return leases.try_acquire(session, names, holder, ttl)

    def renew_lease(self, names: Sequence[str], holder: Holder, ttl: timedelta) -> int:
        with self._writing() as session:
            return leases.renew(session, names, holder, ttl)

    def release_lease(self, names: Sequence[str], holder: Holder) -> None:
        with self._writing() as session:
            leases.release(session, names, holder)

    # -- the fleet: outlets' states, claims, what polls leave -------------

    def sync_roster(self, roster: Sequence[RosterEntry], *, whole: bool = True) -> None:
        """Make the outlets' states follow the outlets file, all of it or ``whole=False`` some
        of its outlets (see :mod:`.filing.polls`)."""
        with self._writing() as session:
            polls.sync_roster(session, roster, whole=whole)

    def claim_due(
        self, collection: str | None, now: datetime, holder: str, until: datetime, limit: int
    ) -> list[str]:
        """Claim up to ``limit`` due outlets for ``holder`` (see :mod:`.catalog.claims`)."""
        with self._writing() as session:
            return claims.claim_due(session, collection, now, holder, until, limit)

    def claim_named(
        self, names: Sequence[str], now: datetime, holder: str, until: datetime
    ) -> list[str]:
        """Claim the named outlets, all or none; the names another run holds, if any."""
        with self._writing() as session:
            return claims.claim_named(session, names, now, holder, until)

    def renew_claims(self, holder: str, until: datetime) -> int:
        with self._writing() as session:
            return claims.renew(session, holder, until)

    def release_claims(self, holder: str, names: Sequence[str] | None = None) -> None:
        with self._writing() as session:
            claims.release(session, holder, names)

    def known_documents(self, names: Collection[str]) -> dict[str, list[KnownDocument]]:
        """Outlet name -> its discovery documents as the last polls left them."""
        with self._reading() as session:
            return fleet.documents(session, names)

    def recent_articles(self, since: Mapping[str, datetime]) -> dict[str, list[KnownArticle]]:
        """Outlet name -> its articles first seen since its time: the revisit candidates."""
        with self._reading() as session:
            return fleet.recent_articles(session, since)

    def robots_files(self, locations: Collection[str], since: datetime) -> dict[str, RobotsFile]:
        """Origin -> its robots.txt as last downloaded, for those of ``locations`` downloaded
        after ``since``: the copies a crawl may read instead of asking the host again."""
        with self._reading() as session:
            return robots.kept(session, locations, since)

    def save_polls(
        self,
        states: Sequence[OutletState],
        polled: Polled | None = None,
        at: datetime | None = None,
    ) -> None:
        """Keep what polls found, in one transaction: states (their claims ended), the runs'
        counts, documents, revisits' times, the robots.txt files downloaded."""
        with self._writing() as session:
            polls.save_polls(session, states, polled or Polled(), at or datetime.now(UTC))
