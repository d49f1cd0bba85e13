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

from sqlalchemy import Engine, Row, bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from newsarchive.errors import NotFoundError
from newsarchive.identity import article_key, article_key_or_none
from newsarchive.records import (
    ArchiveOutcome,
    Capture,
    Discovery,
    Extraction,
    Fetch,
    FetchOutcome,
    RunCounts,
    Validators,
)
from newsarchive.storage import (
    captures,
    catalog,
    conditional,
    filing,
    fulltext,
    integrity,
    layout,
    leases,
    notmodified,
    overview,
    reading,
    requisites,
    searchquery,
)
from newsarchive.storage.leases import Busy, Holder
from newsarchive.storage.models import (
    ArticleRow,
    ContentRow,
    CrawlRunRow,
    FetchRow,
    OutletRow,
    RequisiteRow,
    VersionRow,
)
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
            outlet_id = _outlet_id(session, name)
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

    def record_fetch(self, fetch: Fetch, raw: StoredRaw | None = None) -> FetchRecord:
        """Record one fetch attempt; a page is stored (raw, gzip) before its row.

        The page is compressed, hashed and written before the catalog write
        begins: an orphan object after a crash is harmless (content-addressed,
        write-once), while holding the catalog's write lock through that work
        would make every other writer wait for it.  ``raw`` is the page
        already stored by the caller (:meth:`earlier_raw`, :func:`store_raw`).
        """
        if raw is None:
            raw = self._store_raw(fetch)
        with self._writing() as session:
            return _record(session, _recorded_fetch(session, fetch, raw))

    def record_and_file(self, pages: Sequence[filing.ExtractedPage]) -> list[ArchiveOutcome]:
        """Record fetches and file their extractions, all in one transaction.

        The fast path of a crawl, for pages whose raw objects were written
        and texts signed beforehand (by worker processes): each gets the rows
        of :meth:`record_fetch` then :meth:`file_extraction`, in order, so a
        page deduplicates against those before it.  The objects filing adds
        (each new text, each new version's metadata) are held and written
        together just before the commit (:class:`HeldPuts`).  If it fails no
        row is written, and the caller files each page on its own.
        """
        outcomes = []
        with self._writing() as session:
            outlets = _outlet_ids(session, {page.fetch.outlet for page in pages})
            search = fulltext.SearchDocuments()
            objects = HeldPuts(self.store)
            for page in pages:
                fetch = page.fetch
                row = _recorded_fetch(session, fetch, page.raw, outlets[fetch.outlet])
                filed = filing.file_fetch(
                    session, objects, row, fetch.outlet, page.extraction, page.text, search
                )
                outcomes.append(filed)
            search.write(session)
            objects.write()
        return outcomes

    def record_not_modified(self, fetches: Sequence[Fetch]) -> None:
        """Record conditional refetches answered 304, all in one transaction.

        Each gets the row :meth:`record_fetch` would write, and moves its
        article's and version's ``last_seen`` (see :mod:`notmodified`); a
        fetch already recorded is left alone.  A 304 has no body: no object
        is read or written, and nothing is read back.
        """
        with self._writing() as session:
            outlets = _outlet_ids(session, {f.outlet for f in fetches})
            rows = [_fetch_values(session, f, None, outlets[f.outlet]) for f in fetches]
            notmodified.record(session, rows)

    def earlier_raw(self, url: str, body_sha256: str) -> StoredRaw | None:
        """The object an earlier fetch of ``url`` stored for the same bytes, if any."""
        failing_as = catalog.unavailable_as_storage_error("catalog read failed")
        with failing_as, self.engine.connect() as connection:  # once a page: no ORM session
            earlier = connection.execute(_EARLIER_RAW, {"url": url, "sha": body_sha256}).first()
        if earlier is None:
            return None
        key, size, object_sha = earlier
        if key is None or size is None or object_sha is None:  # named whole, or not at all
            return None
        return StoredRaw(key=key, sha256=body_sha256, size=size, object_sha256=object_sha)

    def _store_raw(self, fetch: Fetch) -> StoredRaw | None:
        """Raw body stored; bytes identical to an earlier fetch of the URL reuse its object."""
        body = fetch.capture.body if fetch.capture is not None else b""
        if not body:
            return None
        body_sha = sha256_hex(body)
        earlier = self.earlier_raw(fetch.url, body_sha)
        if earlier is not None:
            return earlier
        return store_raw(self.store, fetch.outlet, fetch.fetched_at, body, body_sha)

    def record_requisite(self, capture: Capture) -> bool:
        """Keep one fetch of a page requisite; True when its bytes were new to the archive.

        The object is found by digest or written before the row that names
        it, outside the write transaction, as pages are (:meth:`record_fetch`).
        """
        with self._reading() as session:
            stored, new = requisites.stored_object(session, self.store, capture.body)
        with self._writing() as session:
            values = requisites.row_values(_outlet_id(session, capture.outlet), capture, stored)
            catalog.insert_ignoring_conflicts(session, RequisiteRow, values, ["url", "fetched_at"])
        return new

    def file_extraction(
        self,
        record: FetchRecord,
        extraction: Extraction,
        prepared: filing.PreparedText | None = None,
    ) -> ArchiveOutcome:
        """Deduplicate and file the text of a recorded fetch; filing twice changes nothing.

        A text not yet archived has its object written and its MinHash computed
        before the write transaction (here, unless ``prepared`` says it was),
        which then only inserts rows.
        """
        if prepared is None and extraction.text.strip():
            with self._reading() as session:
                known = session.get(ContentRow, filing.text_sha256(extraction.text)) is not None
            prepared = None if known else filing.prepare_text(self.store, extraction.text)
        with self._writing() as session:
            return filing.file_extraction(session, self.store, record.id, extraction, prepared)

    def mark_extraction_failed(self, record: FetchRecord, reason: str) -> None:
        """Take a fetch off the redo list: its page holds no article (kept for the record)."""
        with self._writing() as session:
            session.execute(
                update(FetchRow)
                .where(FetchRow.id == record.id, FetchRow.extraction_state != ExtractionState.FILED)
                .values(
                    extraction_state=ExtractionState.FAILED,
                    extraction_error=reason,
                    archive_outcome=ArchiveOutcome.FAILED.value,
                )
            )

    def unextracted(self, outlet: str | None = None, *, failed: bool = False) -> list[FetchRecord]:
        """Fetches whose page is stored but whose extraction was never filed.

        With ``failed``, also those whose extraction failed: after a profile is
        fixed they can be extracted again from the stored raw page.
        """
        states = [ExtractionState.PENDING, *([ExtractionState.FAILED] if failed else [])]
        query = (
            select(FetchRow)
            .join(OutletRow, OutletRow.id == FetchRow.outlet_id)
            .where(FetchRow.extraction_state.in_(states))
            .order_by(FetchRow.fetched_at, FetchRow.id)
        )
        if outlet is not None:
            query = query.where(OutletRow.name == outlet)
        with self._reading() as session:
            return [_record(session, row) for row in session.scalars(query)]

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
                    outlet_id=_outlet_id(session, outlet),
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


_EARLIER_RAW = (
    select(FetchRow.raw_key, FetchRow.raw_size, FetchRow.raw_object_sha256)
    .where(FetchRow.url == bindparam("url"), FetchRow.raw_sha256 == bindparam("sha"))
    .limit(1)
)


def _outlet_id(session: Session, name: str) -> int:
    layout.checked_outlet(name)
    values = {"name": name, "info": {}, "created_at": datetime.now(UTC)}
    catalog.insert_ignoring_conflicts(session, OutletRow, values, ["name"])
    return session.scalars(select(OutletRow.id).where(OutletRow.name == name)).one()


def _outlet_ids(session: Session, names: set[str]) -> dict[str, int]:
    return {name: _outlet_id(session, name) for name in names}


def _fetch_row(session: Session, url: str, fetched_at: datetime) -> Row[Any]:
    """A recorded fetch's row, locked as filing locks the fetches it files."""
    query = select(FetchRow.__table__).where(FetchRow.url == url, FetchRow.fetched_at == fetched_at)
    return session.connection().execute(query.with_for_update()).one()


def _recorded_fetch(
    session: Session, fetch: Fetch, raw: StoredRaw | None, outlet_id: int | None = None
) -> Row[Any]:
    """The fetch's row, inserted unless this fetch was recorded already."""
    values = _fetch_values(session, fetch, raw, outlet_id)
    row = catalog.inserted_row(session, FetchRow, values, ["url", "fetched_at"])
    if row is None:
        return _fetch_row(session, fetch.url, fetch.fetched_at)
    if fetch.outcome == FetchOutcome.NOT_MODIFIED and _seen_again(session, row):
        return _fetch_row(session, fetch.url, fetch.fetched_at)
    return row


def _fetch_values(
    session: Session, fetch: Fetch, raw: StoredRaw | None, outlet_id: int | None = None
) -> dict[str, Any]:
    capture = fetch.capture
    values: dict[str, Any] = {
        "outlet_id": outlet_id if outlet_id is not None else _outlet_id(session, fetch.outlet),
        "url": fetch.url,
        "url_key": article_key_or_none(fetch.url),
        "fetched_at": fetch.fetched_at,
        "status": fetch.status if fetch.status is not None else _capture_status(capture),
        "outcome": fetch.outcome.value,
        "attempts": fetch.attempts,
        "error": fetch.error,
        "discovery": layout.discovery_json(fetch.discovery or _capture_discovery(capture)),
        "request_headers": [],
        "response_headers": [],
        "extraction_state": ExtractionState.NONE,
    }
    if capture is None:
        return values
    values |= {
        "requested_url": capture.requested_url,
        "final_url": capture.final_url,
        "request_headers": layout.headers_json(
            layout.public_request_headers(capture.request_headers)
        ),
        "response_headers": layout.headers_json(capture.response_headers),
        "etag": capture.header("ETag"),
        "last_modified": capture.header("Last-Modified"),
    }
    if raw is not None:
        values |= raw.columns()
        if fetch.outcome == FetchOutcome.FETCHED:
            values["extraction_state"] = ExtractionState.PENDING
    return values


def _capture_status(capture: Capture | None) -> int | None:
    return capture.status if capture is not None else None


def _capture_discovery(capture: Capture | None) -> Discovery | None:
    return capture.discovery if capture is not None else None


def _seen_again(session: Session, row: Row[Any]) -> bool:
    """A 304: the text current at that time is still served, so last_seen moves.

    True when the fetch row was updated to name its article and version.
    """
    article = session.scalars(
        select(ArticleRow).where(ArticleRow.url_key == article_key(row.url)).with_for_update()
    ).first()
    if article is None:
        return False
    latest = reading.version_at(session, article.id, row.fetched_at)
    article.last_seen = max(article.last_seen, row.fetched_at)
    seen: dict[str, Any] = {
        "article_id": article.id,
        "archive_outcome": ArchiveOutcome.UNCHANGED.value,
    }
    if latest is not None:
        latest.last_seen = max(latest.last_seen, row.fetched_at)
        seen["version_id"] = latest.id
    session.execute(update(FetchRow).where(FetchRow.id == row.id).values(**seen))
    return True


def _record(session: Session, row: FetchRow | Row[Any]) -> FetchRecord:
    outlet = session.scalars(select(OutletRow.name).where(OutletRow.id == row.outlet_id)).one()
    number = None
    if row.version_id is not None:
        number = session.scalars(
            select(VersionRow.number).where(VersionRow.id == row.version_id)
        ).one()
    return FetchRecord(
        id=row.id,
        outlet=outlet,
        url=row.url,
        outcome=FetchOutcome(row.outcome),
        fetched_at=row.fetched_at,
        status=row.status,
        raw_key=row.raw_key,
        raw_sha256=row.raw_sha256,
        extraction_state=ExtractionState(row.extraction_state),
        archive_outcome=ArchiveOutcome(row.archive_outcome) if row.archive_outcome else None,
        version=number,
        attempts=row.attempts,
    )
