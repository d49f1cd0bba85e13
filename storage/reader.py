"""The archive as archivists read it: listings, snapshots, captures, history, search, verify.

The viewer and the reading commands get this type, which has no method
that files or changes anything archived: what they can do to the archive
is what its API offers.  Two kinds of upkeep stay with it, since a reader
needs them and neither alters what was archived: opening a catalog whose
schema is older than the code brings the schema up to date, and the first
search of all versions indexes, from their text objects, versions filed
before that index existed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from newsarchive.errors import NotFoundError
from newsarchive.records import OutletState
from newsarchive.storage import catalog
from newsarchive.storage.objects import ObjectStore, open_store
from newsarchive.storage.reading import (
    captures,
    cdx,
    changes,
    fleet,
    fulltext,
    integrity,
    overview,
    requisites,
    searchquery,
    snapshots,
)
from newsarchive.storage.results import (
    ArticleSummary,
    CaptureInfo,
    CdxLine,
    Change,
    OutletSummary,
    RequisiteInfo,
    SearchHit,
    Snapshot,
    VerifyReport,
    VersionInfo,
)


class ReadOnlyArchive:
    """Catalog plus object store, read; open with :meth:`open`, close or use as a context."""

    def __init__(self, engine: Engine, store: ObjectStore) -> None:
        self.engine = engine
        self.store = store
        self._reads = sessionmaker(engine, expire_on_commit=False)
        self._writes = sessionmaker(catalog.for_writing(engine), expire_on_commit=False)

    @classmethod
    def open(cls, database_url: str, store_url: str) -> Self:
        """Connect to an archive that exists; NotFoundError, creating nothing, when none does."""
        return cls._opened(database_url, store_url, create=False)

    @classmethod
    def _opened(cls, database_url: str, store_url: str, *, create: bool) -> Self:
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
    def _reading(self) -> Iterator[Session]:
        failing_as = catalog.unavailable_as_storage_error("catalog read failed")
        with failing_as, self._reads() as session:
            yield session

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        failing_as = catalog.unavailable_as_storage_error("catalog write failed")
        with failing_as, self._writes.begin() as session:
            yield session

    def list_articles(
        self,
        outlet: str | None = None,
        window: snapshots.Window | None = None,
        *,
        offset: int = 0,
        limit: int | None = None,
    ) -> Iterator[ArticleSummary]:
        """Articles (of ``outlet``, within ``window``), in the order they were first seen;
        a page of them from ``offset`` on, at most ``limit``."""
        window = window or snapshots.Window()
        with self._reading() as session:
            yield from snapshots.list_articles(session, outlet, window, offset=offset, limit=limit)

    def snapshot(self, url: str, at: datetime | None = None) -> Snapshot:
        """The version current at ``at`` (default: latest), every object checked by SHA-256."""
        with self._reading() as session:
            return snapshots.snapshot(session, self.store, url, at)

    def outlets(self) -> list[OutletSummary]:
        """Every outlet by name, with its article and version counts and its last run."""
        with self._reading() as session:
            return overview.outlet_summaries(session)

    def outlet_states(self, names: Collection[str] | None = None) -> dict[str, OutletState]:
        """Outlet name -> its schedule and health (every outlet in the file when no names)."""
        with self._reading() as session:
            return fleet.states(session, names)

    def copies(self, url: str) -> list[str]:
        """URLs of the articles archived as duplicates of this one."""
        with self._reading() as session:
            return overview.copies_of(session, url)

    def captures(self, url: str) -> list[CaptureInfo]:
        """Every capture of the article (Memento's mementos), oldest first."""
        with self._reading() as session:
            return captures.captures(session, url)

    def cdx(self, query: cdx.CdxQuery) -> list[CdxLine]:
        """The captures a CDX query asks for, as pywb's CDX server lists them (see :mod:`.cdx`)."""
        with self._reading() as session:
            return cdx.cdx_lines(session, query)

    def capture_snapshot(self, url: str, capture: CaptureInfo) -> Snapshot:
        """The page as ``capture`` served it, with the text current then, checked by SHA-256."""
        with self._reading() as session:
            return snapshots.capture_snapshot(session, self.store, url, capture)

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
        return snapshots.raw_body(self.store, key, object_sha, requisite.raw_sha256)

    def history(self, url: str) -> list[VersionInfo]:
        """Every distinct text the URL has carried, oldest first."""
        with self._reading() as session:
            return snapshots.history(session, url)

    def search(
        self, query: str, *, limit: int = 20, filters: fulltext.Filters | None = None
    ) -> list[SearchHit]:
        """Articles whose latest text (or, with ``filters.all_versions``, any version's)
        matches ``query`` (see :mod:`.reading.searchquery`), best first, copies folded in."""
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

    def changes(self, since: datetime, *, limit: int = 200) -> list[Change]:
        """Articles updated or gone at or after ``since``, newest first, at most ``limit``."""
        with self._reading() as session:
            return changes.changes(session, since, limit)

    def verify(self, *, sample: int | None = None, remove_leftovers: bool = False) -> VerifyReport:
        """Re-read every object (or a random sample) and compare it with the catalog; find
        (and with ``remove_leftovers`` remove) what killed writers left in the store."""
        with self._reading() as session:
            return integrity.verify(
                session, self.store, sample=sample, remove_leftovers=remove_leftovers
            )
