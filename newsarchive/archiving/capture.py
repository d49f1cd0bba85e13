"""One capture's path from fetch to archive: worked on, filed, counted.

Every fetch of a run takes the same lane, and so does a stored page
extracted again (``reextract``, or a redo after a crash):

1. A page received is *worked on* (:mod:`work`): its raw body stored, its
   text extracted and signed, in a worker process when the run has a pool.
   A requisite's bytes are stored by digest, and so is the body of an
   archived article that answered it is gone (never extracted); a fetch
   that brought no page (a 304, an error, a refusal) needs no work.
2. The result is queued for the one *writer*, which files what is queued
   in group commits (:mod:`groupcommit`, :meth:`Archive.record_and_file`).
   When a batch fails, the writer files each of its entries as a batch of
   one; a page the catalog still refuses for what its extraction holds is
   kept as a failed page with the reason, so it is not tried on every run
   (``reextract --failed`` tries it again).
3. The run's report counts each URL once its rows are committed.

The order is the archive's promise: the raw body is stored before
extraction runs and before any row names it, so an extraction failure
loses nothing and can be redone from the stored page; a text's object is
written before the row that names it; a page is filed completely or not at
all.  A page whose body could not be stored leaves no row, and the next
run fetches it again.

Pages fail one by one; the storage fails them all.  When the store or the
catalog has refused half of the last captures (a full disk, a store that is
away), the lane says so (:attr:`CaptureLane.outage`) and the run stops
(:class:`StorageOutage`): an outage of the run, not of pages.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace

from newsarchive.archiving.groupcommit import GroupCommit
from newsarchive.archiving.report import OutletReport, why
from newsarchive.archiving.work import PageJob, PageWork, work_on
from newsarchive.errors import StorageError
from newsarchive.extraction import extract
from newsarchive.records import ArchiveOutcome, Capture, Extraction, Fetch, FetchOutcome
from newsarchive.spiders.outlets import Outlet
from newsarchive.spiders.requisites import is_requisite
from newsarchive.storage import (
    Archive,
    Entry,
    ExtractedPage,
    FailedPage,
    FetchRecord,
    GonePage,
    ObjectMissing,
    fetch_of,
    sha256_hex,
)

log = logging.getLogger(__name__)

STORAGE_FAILURES_TO_STOP = 8
"""Captures of the last :data:`STORAGE_WINDOW` that the store or the catalog refused, after
which the run stops: a full disk or a store that is away fails the pages after them too,
and fetching the rest of the outlets only to fail them tells nothing more.  Not in a row:
on a disk that is nearly full a small object still fits now and then between failures."""
STORAGE_WINDOW = 16

PAGES_QUEUED = 64
"""Pages waiting for the writer at most: a queued page holds its body and extraction
(about 0.1 MB).  An entry that holds no page (a 304, an error) weighs a page's
:data:`PAGE_WEIGHT`-th part, so a recrawl's 304s gather in batches of hundreds."""
PAGE_WEIGHT = 8


def extract_capture(capture: Capture, profile: str) -> Extraction:
    """Run extraction on a capture; a module-level function so a process pool can pickle it."""
    return extract(
        capture.body,
        url=capture.url,
        headers=capture.response_headers,
        profile=profile,
        discovery=capture.discovery,
        captured=capture.fetched_at,
    )


@dataclass(frozen=True, slots=True)
class Filing:
    """An entry for the writer, with what the run's report needs to know of it."""

    entry: Entry
    requested: str  # the URL the crawl asked for, under which the report lists it
    received: bool = False  # a page this run received: counted as fetched once filed
    extraction_failed: bool = False  # counted against the outlet's extraction once filed

    @property
    def fetch(self) -> Fetch | None:
        """The fetch the entry files; None for a requisite's bytes kept by digest."""
        return fetch_of(self.entry)

    @property
    def weight(self) -> int:
        """What it takes of the writer's queue: :data:`PAGE_WEIGHT` with a body, else 1."""
        return 1 if self.fetch is not None and self.fetch.capture is None else PAGE_WEIGHT


class StorageOutage(StorageError):
    """The storage failed capture after capture: the run stopped, with what it had done.

    ``reports`` are the outlets' ledgers as far as the run got, so that a
    retried run still reports every attempt.
    """

    def __init__(self, reason: str, reports: dict[str, OutletReport]) -> None:
        super().__init__(reason)
        self.reports = reports


class CaptureLane:
    """Takes each fetch of a run down the lane and keeps the per-outlet reports.

    It also breaks the run's circuit: after :data:`STORAGE_FAILURES_TO_STOP`
    storage failures among the last :data:`STORAGE_WINDOW` captures,
    :attr:`outage` says why and ``on_outage`` is called once, for the caller
    to stop the crawl.
    """

    def __init__(
        self,
        archive: Archive,
        profiles: dict[str, str],
        pool: Executor | None = None,
        reports: dict[str, OutletReport] | None = None,
    ) -> None:
        self.archive = archive
        self.profiles = profiles  # outlet name -> extraction profile
        self.pool = pool
        self.reports = reports if reports is not None else {}
        self.writer = GroupCommit(
            self._write,
            self._filed,
            self._not_filed,
            queue_max=PAGES_QUEUED * PAGE_WEIGHT,
            weigh=lambda filing: filing.weight,
        )
        self._counting = threading.Lock()
        self._stored: deque[bool] = deque(maxlen=STORAGE_WINDOW)  # the last captures: kept?
        self.outage: str | None = None  # why the run stopped, once the storage kept failing
        self.on_outage: Callable[[], None] | None = None

    @classmethod
    def for_outlets(
        cls, archive: Archive, outlets: list[Outlet], pool: Executor | None = None
    ) -> CaptureLane:
        archive.ensure_outlets({o.name: {"kind": o.kind, "profile": o.profile} for o in outlets})
        return cls(
            archive,
            profiles={o.name: o.profile for o in outlets},
            pool=pool,
            reports={o.name: OutletReport(o.name) for o in outlets},
        )

    def report(self, outlet: str) -> OutletReport:
        return self.reports.setdefault(outlet, OutletReport(outlet))

    # -- into the lane ---------------------------------------------------------

    def process(self, fetch: Fetch) -> None:
        """Work on one fetch and queue it for filing; it is counted once filed.

        Nothing a single capture brings can stop the run: a failure is counted
        against that capture, with its reason, and the next fetch goes on.
        """
        if fetch.capture is None and is_requisite(fetch):
            return  # a requisite that brought no bytes leaves nothing to keep
        requested = _requested(fetch)
        if self.outage is not None:  # the run is stopping: the storage is not asked again
            self._end(fetch.outlet, requested, ArchiveOutcome.FAILED, self.outage)
            return
        try:
            filing = self._prepared(fetch, requested)
        except Exception as exc:  # its body could not be stored: nothing names it
            self._not_filed(Filing(fetch, requested), exc)
            return
        self.writer.add(filing)

    def redo(self, outlet: str | None = None, *, failed: bool = False) -> int:
        """File captures whose raw page was stored but whose extraction never was.

        With ``failed``, extractions that failed are tried again too.  One
        capture that cannot be read back or filed never stops the others.
        """
        records = self.archive.unextracted(outlet, failed=failed)
        for record in records:
            self._redo(record)
        return len(records)

    def _prepared(self, fetch: Fetch, requested: str) -> Filing:
        capture = fetch.capture
        if capture is not None and is_requisite(fetch):  # kept, never extracted
            return Filing(self.archive.keep_requisite(capture), requested)
        if fetch.outcome is FetchOutcome.GONE and capture is not None:  # kept, never extracted
            return Filing(self.archive.keep_gone(fetch), requested)
        if fetch.outcome is not FetchOutcome.FETCHED or capture is None:
            return Filing(fetch, requested)
        if not capture.body:
            empty = FailedPage(fetch, None, "extraction: the page is empty")
            return Filing(empty, requested, received=True, extraction_failed=True)
        return self._worked(fetch, capture, requested, received=True)

    def _redo(self, record: FetchRecord) -> None:
        fetch = Fetch(
            record.outlet, record.url, record.outcome, record.fetched_at, record.status,
            attempts=record.attempts,
        )  # fmt: skip
        try:
            capture = self.archive.load_capture(record)
        except ObjectMissing as exc:  # kept as failed, with the reason, until it is stored again
            self.writer.add(Filing(FailedPage(fetch, None, why("stored page", exc)), record.url))
            return
        except StorageError as exc:
            self._end(record.outlet, record.url, ArchiveOutcome.FAILED, why("stored page", exc))
            return
        try:
            filing = self._worked(
                replace(fetch, capture=capture), capture, capture.requested_url, received=False
            )
        except Exception as exc:
            self._not_filed(Filing(fetch, capture.requested_url), exc)
            return
        self.writer.add(filing)

    def _worked(self, fetch: Fetch, capture: Capture, requested: str, *, received: bool) -> Filing:
        """The page stored, extracted and signed, ready for its rows."""
        body_sha = sha256_hex(capture.body)
        job = PageJob(
            capture=capture,
            profile=self.profiles.get(capture.outlet, "generic"),
            store_url=self.archive.store.url,
            body_sha256=body_sha,
            raw=self.archive.earlier_raw(fetch.url, body_sha),
        )
        work = self._work(job)
        if work.extraction is None:
            failed = FailedPage(fetch, work.raw, work.failure or "extraction: no result")
            return Filing(failed, requested, received, extraction_failed=True)
        return Filing(
            ExtractedPage(fetch, work.raw, work.extraction, work.text), requested, received
        )

    def _work(self, job: PageJob) -> PageWork:
        """The page's work, in the pool when there is one; here when the pool has broken."""
        pool = self.pool
        if pool is not None:
            try:
                return pool.submit(work_on, job, extract_capture).result()
            except BrokenProcessPool:
                log.warning("the worker processes are gone: pages are worked on in this process")
                self.pool = None
        return work_on(job, extract_capture, self.archive.store)

    # -- the writer's side -------------------------------------------------------

    def _write(self, batch: list[Filing]) -> list[ArchiveOutcome]:
        return self.archive.record_and_file([filing.entry for filing in batch])

    def _filed(self, filing: Filing, outcome: ArchiveOutcome) -> None:
        """Count a filed entry under the URL it was requested by."""
        entry, fetch = filing.entry, filing.fetch
        with self._counting:
            self._stored.append(True)
        if fetch is None:
            return  # requisites are kept with the pages, not counted as articles
        reason, url = None, fetch.capture.url if fetch.capture is not None else fetch.url
        if isinstance(entry, FailedPage):
            reason = entry.reason
        elif isinstance(entry, GonePage):
            reason = f"{fetch.outcome.value}: {fetch.error or fetch.status}"
        elif isinstance(entry, Fetch) and fetch.outcome is not FetchOutcome.NOT_MODIFIED:
            reason, url = f"{fetch.outcome.value}: {fetch.error or fetch.outcome.value}", ""
        with self._counting:
            report = self.report(fetch.outlet)
            report.fetched += filing.received
            report.extraction_failures += filing.extraction_failed
            report.add(filing.requested, outcome, reason, url=url)

    def _not_filed(self, filing: Filing, error: Exception) -> None:
        """An entry that could not be filed, even alone: nothing of it was committed."""
        entry = filing.entry
        if isinstance(entry, ExtractedPage) and not isinstance(error, StorageError):
            log.warning("filing %s failed", entry.fetch.url, exc_info=error)
            kept = FailedPage(entry.fetch, entry.raw, why("filing", error))
            self.writer.write_alone(replace(filing, entry=kept))
            return
        fetch = filing.fetch
        if fetch is None or is_requisite(fetch):
            log.warning("requisite %s not kept: %s", filing.requested, error)
            return
        doing = "filing" if isinstance(entry, ExtractedPage) else "storing"
        self._end(fetch.outlet, filing.requested, ArchiveOutcome.FAILED, why(doing, error))
        if isinstance(error, StorageError):
            self._storage_failed(why(doing, error))

    def _storage_failed(self, reason: str) -> None:
        """Count a capture the storage refused; the :data:`STORAGE_FAILURES_TO_STOP`-th of the
        last :data:`STORAGE_WINDOW` trips the circuit."""
        with self._counting:
            self._stored.append(False)
            failures = self._stored.count(False)
            tripped = failures >= STORAGE_FAILURES_TO_STOP and self.outage is None
            if tripped:
                self.outage = (
                    f"storage failed {failures} of the last {len(self._stored)} captures: {reason}"
                )
        if tripped and self.on_outage is not None:
            self.on_outage()

    def _end(self, outlet: str, requested: str, outcome: ArchiveOutcome, reason: str) -> None:
        with self._counting:
            self.report(outlet).add(requested, outcome, reason)


def _requested(fetch: Fetch) -> str:
    """The URL the crawl asked for, under which the run's report lists the fetch."""
    return fetch.capture.requested_url if fetch.capture is not None else fetch.url
