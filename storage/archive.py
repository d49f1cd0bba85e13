"""The archive: one catalog and one object store, behind the API the flows call.

Every write method runs in one catalog transaction and writes its objects
before the rows that name them, so it can be called again after any failure
(and from several threads or processes at once) without leaving a row that
points at nothing or filing the same thing twice.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from newsarchive.errors import NotFoundError
from newsarchive.records import ArchiveOutcome, Capture, Extraction, Fetch, RunCounts, Validators
from newsarchive.storage import (
    batch,
    captures,
    catalog,
    conditional,
    fetches,
    filing,
    fulltext,
    integrity,
    layout,
    leases,
    overview,
    reading,
    requisites,
    searchquery,
)
from newsarchive.storage.batch import Entry, KeptRequisite
from newsarchive.storage.leases import Busy, Holder
from newsarchive.storage.models import CrawlRunRow, FetchRow, OutletRow
from newsarchive.storage.objects import HeldPuts, ObjectStore, open_store, sha256_hex
from newsarchive.storage.rawpages import StoredRaw, store_raw
from newsarchive.storage.results import (
    ArticleSummary,
    CaptureInfo,
    ExtractionState,
    FetchRecord,
    OutletSummary,
    RequisiteInfo,
    SearchHit,
    Snapshot,
    VerifyReport,
    VersionInfo,
)
from newsarchive.storage.texts import PreparedText


class Archive:
    """Catalog plus object store; open with :meth:`open`, close or use as a context."""

    def __init__(self, engine: Engine, store: ObjectStore) -> None:
        self.engine = engine
        self.store = store
        self._reads = sessionmaker(engine, expire_on_commit=False)
        self._writes = sessionmaker(catalog.for_writing(engine), expire_on_commit=False)

    @classmethod
    def open(cls, database_url: str, store_url: str, *, create: bool = True) -> Self:
        """Connect, upgrading the catalog schema to the current migration.

        Without ``create`` (the commands that only read), a catalog that holds
        no archive yet is NotFoundError, and nothing is created on the way.
        """
        store = open_store(store_url)
        engine = catalog.create_catalog_engine(database_url, create=create)
        try:
            if not create and not catalog.holds_an_archive(engine):
                raise NotFoundError("the catalog holds no archive yet: crawl first")
            catalog.upgrade(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, store)

    def close(self) -> None:
        """Release the catalog connections (the object store holds none worth closing)."""
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        failing_as = catalog.unavailable_as_storage_error("catalog write failed")
        with failing_as, self._writes.begin() as session:
            yield session

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        failing_as = catalog.unavailable_as_storage_error("catalog read failed")
        with failing_as, self._reads() as session:
            yield session

    # -- writing ---------------------------------------------------------

    def ensure_outlet(self, name: str, **info: Any) -> None:
        """Register an outlet; ``info`` (JSON-able settings) replaces what was kept."""
        with self._writing() as session:
            outlet_id = fetches.outlet_id(session, name)
            if info:
                plain = json.loads(json.dumps(info, default=str))
                session.execute(
                    update(OutletRow).where(OutletRow.id == outlet_id).values(info=plain)
                )

    def validators(self, outlet: str, keys: Collection[str]) -> dict[str, Validators]:
        """Article key -> validators of its last successful fetch, for those of ``keys`` that
        have any: what a crawl sends in its conditional GETs (see :mod:`.conditional`)."""
        with self._reading() as session:
            return conditional.last_validators(session, outlet, keys)

    def earlier_raw(self, url: str, body_sha256: str) -> StoredRaw | None:
        """The object an earlier fetch of ``url`` stored for the same bytes, if any."""
        failing_as = catalog.unavailable_as_storage_error("catalog read failed")
        with failing_as, self.engine.connect() as connection:  # once a page: no ORM session
            earlier = connection.execute(
                fetches.EARLIER_RAW, {"url": url, "sha": body_sha256}
            ).first()
        if earlier is None:
            return None
        key, size, object_sha = earlier
        if key is None or size is None or object_sha is None:  # named whole, or not at all
            return None
        return StoredRaw(key=key, sha256=body_sha256, size=size, object_sha256=object_sha)

    def keep_requisite(self, capture: Capture) -> KeptRequisite:
        """A requisite's bytes found stored by digest, or written now, before any row names them."""
        with self._reading() as session:
            stored = requisites.stored_object(session, self.store, capture.body)
        return KeptRequisite(capture, stored)

    def record_and_file(self, entries: Sequence[Entry]) -> list[ArchiveOutcome]:
        """File a crawl's entries (pages, fetches, requisites) in one transaction, in order.

        The way every fetch of a crawl reaches the catalog (see :mod:`.batch`):
        rows for each, a page's extraction deduplicated and filed against
        those before it.  If it fails no row is written, and the caller may
        file each entry on its own.
        """
        with self._writing() as session:
            return batch.file_batch(session, self.store, entries)

    # -- one page at a time, outside a crawl --------------------------------

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
            search = fulltext.SearchDocuments()
            objects = HeldPuts(self.store)
            outcome = filing.file_fetch(
                session, objects, row, record.outlet, extraction, text, search
            )
            search.write(session)
            objects.write()
            return outcome

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

    # -- stored pages to extract again -------------------------------------

    def unextracted(self, outlet: str | None = None, *, failed: bool = False) -> list[FetchRecord]:
        """Fetches whose page is stored but whose extraction was never filed.

        With ``failed``, also those whose extraction failed: after a profile is
        fixed they can be extracted again from the stored raw page.
        """
        states = [ExtractionState.PENDING, *([ExtractionState.FAILED] if failed else [])]
        query = (
            select(FetchRow)
            .join(OutletRow, OutletRow.id == FetchRow.outlet_id)
            .where(FetchRow.extraction_state.in_(states), FetchRow.raw_key.is_not(None))
            .order_by(FetchRow.fetched_at, FetchRow.id)
        )
        if outlet is not None:
            query = query.where(OutletRow.name == outlet)
        with self._reading() as session:
            return [fetches.record_of(session, row) for row in session.scalars(query)]

    def load_capture(self, record: FetchRecord) -> Capture:
        """The response rebuilt from the stored raw object, checked against its SHA-256."""
        with self._reading() as session:
            row = session.get(FetchRow, record.id)
            if row is None or row.raw_key is None:
                raise NotFoundError(f"no stored page for fetch #{record.id} ({record.url})")
            outlet = session.scalars(
                select(OutletRow.name).where(OutletRow.id == row.outlet_id)
            ).one()
        body = reading.raw_body(self.store, row.raw_key, row.raw_object_sha256, row.raw_sha256)
        return Capture(
            outlet=outlet,
            url=row.url,
            requested_url=row.requested_url or row.url,
            final_url=row.final_url or row.url,
            status=row.status or 200,
            fetched_at=row.fetched_at,
            request_headers=layout.headers_from_json(row.request_headers),
            response_headers=layout.headers_from_json(row.response_headers),
            body=body,
            discovery=layout.discovery_from_json(row.discovery),
        )

    # -- reading ---------------------------------------------------------

    def list_articles(
        self, outlet: str | None = None, since: datetime | None = None
    ) -> Iterator[ArticleSummary]:
        """Articles first seen at or after ``since``, oldest first."""
        with self._reading() as session:
            yield from reading.list_articles(session, outlet, since)

    def snapshot(self, url: str, at: datetime | None = None) -> Snapshot:
        """The version current at ``at`` (default: latest), every object checked by SHA-256."""
        with self._reading() as session:
            return reading.snapshot(session, self.store, url, at)

    def outlets(self) -> list[OutletSummary]:
        """Every outlet by name, with its article and version counts and its last run."""
        with self._reading() as session:
            return overview.outlet_summaries(session)

    def copies(self, url: str) -> list[str]:
        """URLs of the articles archived as duplicates of this one."""
        with self._reading() as session:
            return overview.copies_of(session, url)

    def captures(self, url: str) -> list[CaptureInfo]:
        """Every capture of the article (Memento's mementos), oldest first."""
        with self._reading() as session:
            return captures.captures(session, url)

    def capture_snapshot(self, url: str, capture: CaptureInfo) -> Snapshot:
        """The page as ``capture`` served it, with the text current then, checked by SHA-256."""
        with self._reading() as session:
            return reading.capture_snapshot(session, self.store, url, capture)

    def nearest_snapshot(self, url: str, at: datetime) -> Snapshot:
        """The capture nearest to ``at`` (see :func:`captures.nearest`) as a snapshot."""
        return self.capture_snapshot(url, captures.nearest(self.captures(url), at))

    def requisites(
        self, outlet: str | None = None, since: datetime | None = None
    ) -> list[RequisiteInfo]:
        """Fetches of page requisites (of ``outlet``, since ``since``), oldest first."""
        with self._reading() as session:
            return requisites.requisite_fetches(session, outlet, since)

    def requisite_body(self, requisite: RequisiteInfo) -> bytes:
        """The bytes of a requisite fetch, checked against their SHA-256."""
        with self._reading() as session:
            key, object_sha = requisites.object_of(session, requisite.raw_sha256)
        return reading.raw_body(self.store, key, object_sha, requisite.raw_sha256)

    def history(self, url: str) -> list[VersionInfo]:
        """Every distinct text the URL has carried, oldest first."""
        with self._reading() as session:
            return reading.history(session, url)

    def search(
        self, query: str, *, limit: int = 20, filters: fulltext.Filters | None = None
    ) -> list[SearchHit]:
        """Articles whose latest text (or, with ``filters.all_versions``, any version's)
        matches ``query`` (see :mod:`searchquery`), best first, copies folded in."""
        parsed = searchquery.parse(query)
        filters = filters or fulltext.Filters()
        if filters.all_versions:
            self._index_missing_versions()
        with self._reading() as session:
            return fulltext.search(session, parsed, limit=limit, filters=filters)

    def _index_missing_versions(self) -> None:
        with self._reading() as session:
            if not fulltext.missing_versions(session):
                return
        with self._writing() as session:
            fulltext.index_missing_versions(session, self.store)

    def verify(self, *, sample: int | None = None) -> VerifyReport:
        """Re-read every object (or a random sample) and compare it with the catalog."""
        with self._reading() as session:
            return integrity.verify(session, self.store, sample=sample)

    # -- site leases -------------------------------------------------------

    def try_lease(self, names: Sequence[str], holder: Holder, ttl: timedelta) -> Busy | None:
        """Take the leases of all ``names`` for ``holder``, or none (see :mod:`leases`)."""
        with self._writing() as session:
            return leases.try_acquire(session, names, holder, ttl)

    def renew_lease(self, names: Sequence[str], holder: Holder, ttl: timedelta) -> int:
        with self._writing() as session:
            return leases.renew(session, names, holder, ttl)

    def release_lease(self, names: Sequence[str], holder: Holder) -> None:
        with self._writing() as session:
            leases.release(session, names, holder)

    # -- crawl runs --------------------------------------------------------

    def record_run(self, outlet: str, counts: RunCounts) -> None:
        """Keep one outlet's summary of a finished run (the columns of ``crawl_runs``)."""
        with self._writing() as session:
            session.add(
                CrawlRunRow(
                    outlet_id=fetches.outlet_id(session, outlet),
                    finished_at=datetime.now(UTC),
                    **asdict(counts),
                )
            )

    def recent_new_counts(self, outlet: str, runs: int) -> list[int]:
        """How many new articles each of the outlet's last ``runs`` runs found, newest first."""
        query = (
            select(CrawlRunRow.new)
            .join(OutletRow, OutletRow.id == CrawlRunRow.outlet_id)
            .where(OutletRow.name == outlet)
            .order_by(CrawlRunRow.finished_at.desc(), CrawlRunRow.id.desc())
            .limit(runs)
        )
        with self._reading() as session:
            return list(session.scalars(query))
