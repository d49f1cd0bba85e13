"""One capture's path from fetch to archive: stored, extracted, filed, counted.

The order is the archive's promise: the raw response is stored *before*
extraction runs and before any row names it, so an extraction failure loses
nothing and can be redone later from the stored raw page.  Storing,
extraction and text preparation are CPU work and run in a process pool when
one is given (:mod:`work`).  The catalog rows are written in the caller's
threads, a page's fetch row and filing in the same transaction, many pages
per transaction (:mod:`groupcommit`).  When that fast path fails in any way,
each of its pages takes the two steps on its own (fetch row, then filing),
so each failure is kept and reported exactly as it happened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from contextlib import suppress
from dataclasses import dataclass, field

from newsarchive.archiving.groupcommit import GroupCommit
from newsarchive.archiving.refetches import NotModifiedWriter
from newsarchive.archiving.report import OutletReport, why
from newsarchive.archiving.requisites import file_requisite
from newsarchive.archiving.work import PageJob, PageWork, work_on
from newsarchive.errors import StorageError
from newsarchive.extraction import extract
from newsarchive.records import ArchiveOutcome, Capture, Extraction, Fetch, FetchOutcome
from newsarchive.spiders.outlets import Outlet
from newsarchive.spiders.requisites import is_requisite
from newsarchive.storage import (
    Archive,
    ExtractedPage,
    FetchRecord,
    ObjectMissing,
    PreparedText,
    StoredRaw,
    sha256_hex,
)

log = logging.getLogger(__name__)


class PageWriter(GroupCommit[ExtractedPage, ArchiveOutcome]):
    """Writes extracted pages in batches: fetch row and filing, many pages per transaction."""

    queue_max = 64  # a queued page holds its body and extraction, ~0.1 MB

    def __init__(
        self,
        archive: Archive,
        alone: Callable[[ExtractedPage], None],
        filed: Callable[[ExtractedPage, ArchiveOutcome], None],
    ) -> None:
        super().__init__()
        self.archive, self._alone, self._filed = archive, alone, filed

    def write_batch(self, batch: list[ExtractedPage]) -> list[ArchiveOutcome]:
        return self.archive.record_and_file(batch)

    def write_alone(self, item: ExtractedPage) -> None:
        self._alone(item)

    def written(self, item: ExtractedPage, result: ArchiveOutcome) -> None:
        self._filed(item, result)


def extract_capture(capture: Capture, profile: str) -> Extraction:
    """Run extraction on a capture; a module-level function so a process pool can pickle it."""
    return extract(
        capture.body,
        url=capture.url,
        headers=capture.response_headers,
        profile=profile,
        discovery=capture.discovery,
    )


@dataclass
class CaptureFiler:
    """Files each fetch of a run as it arrives and keeps the per-outlet reports."""

    archive: Archive
    profiles: dict[str, str]  # outlet name -> extraction profile
    extract_pool: Executor | None = None
    reports: dict[str, OutletReport] = field(default_factory=dict)
    refetches: NotModifiedWriter = field(init=False)
    pages: PageWriter = field(init=False)

    def __post_init__(self) -> None:
        self.refetches = NotModifiedWriter(self.archive, self._not_modified_written)
        self.pages = PageWriter(self.archive, self._file_alone, self._page_filed)

    @classmethod
    def for_outlets(
        cls, archive: Archive, outlets: list[Outlet], extract_pool: Executor | None = None
    ) -> CaptureFiler:
        for outlet in outlets:
            archive.ensure_outlet(outlet.name, kind=outlet.kind, profile=outlet.profile)
        return cls(
            archive=archive,
            profiles={o.name: o.profile for o in outlets},
            extract_pool=extract_pool,
            reports={o.name: OutletReport(o.name) for o in outlets},
        )

    def report(self, outlet: str) -> OutletReport:
        return self.reports.setdefault(outlet, OutletReport(outlet))

    def process(self, fetch: Fetch) -> ArchiveOutcome | None:
        """Store the fetch, then extract and file it; every fetch ends in one outcome.

        Nothing a single capture brings can stop the run: a failure is counted
        against that capture, with its reason, and the next fetch is filed.
        A 304, and a page extracted in the fast path, go to a group commit
        and are counted once written, maybe by another thread (None here, then).
        """
        if is_requisite(fetch):  # a page's stylesheet or image: kept, never extracted
            return file_requisite(self.archive, fetch)
        if fetch.outcome is FetchOutcome.NOT_MODIFIED:
            self.refetches.add(fetch)
            return None
        report = self.report(fetch.outlet)
        capture = fetch.capture
        if fetch.outcome is FetchOutcome.FETCHED and capture is not None and capture.body:
            try:
                work = self._work(fetch, capture)
            except Exception:
                log.debug("working on %s failed; taking the slow path", fetch.url, exc_info=True)
            else:
                if work.extraction is None:
                    return self._extraction_failed(fetch, capture, work, report)
                self.pages.add(ExtractedPage(fetch, work.raw, work.extraction, work.text))
                return None
        return self._record_then_file(fetch, report)

    def _record_then_file(self, fetch: Fetch, report: OutletReport) -> ArchiveOutcome:
        """The slow path: the fetch row committed first, then extraction and filing."""
        record = self._recorded(fetch, report)
        if record is None:
            return ArchiveOutcome.FAILED
        if fetch.outcome is not FetchOutcome.FETCHED or fetch.capture is None:
            outcome = ArchiveOutcome.SKIPPED if fetch.outcome.declined else ArchiveOutcome.FAILED
            reason = f"{fetch.outcome.value}: {fetch.error or fetch.outcome.value}"
            return _ended(report, _requested(fetch), outcome, reason)
        return self.file(record, fetch.capture, report)

    def _work(self, fetch: Fetch, capture: Capture) -> PageWork:
        """The page's raw object, extraction and text, made in the pool when there is one."""
        body_sha = sha256_hex(capture.body)
        job = PageJob(
            capture=capture,
            profile=self.profiles.get(capture.outlet, "generic"),
            store_url=self.archive.store.url,
            body_sha256=body_sha,
            raw=self.archive.earlier_raw(fetch.url, body_sha),
        )
        if self.extract_pool is None:
            return work_on(job, extract_capture, self.archive.store)
        return self.extract_pool.submit(work_on, job, extract_capture).result()

    def _extraction_failed(
        self, fetch: Fetch, capture: Capture, work: PageWork, report: OutletReport
    ) -> ArchiveOutcome:
        """The raw page is kept and the capture recorded as failed, with extraction's reason."""
        record = self._recorded(fetch, report, work.raw)
        if record is None:
            return ArchiveOutcome.FAILED
        report.extraction_failures += 1
        reason = work.failure or "extraction: no result"
        return self._failed(record, report, capture.requested_url, reason, capture.url)

    def _file_alone(self, page: ExtractedPage) -> None:
        """A page whose batch failed: its fetch row first, then its filing, each on its own."""
        capture = page.fetch.capture
        assert capture is not None  # only fetched pages are batched
        report = self.report(page.fetch.outlet)
        record = self._recorded(page.fetch, report, page.raw)
        if record is not None:
            self._file_extraction(record, capture, page.extraction, report, page.text)

    def _recorded(
        self, fetch: Fetch, report: OutletReport, raw: StoredRaw | None = None
    ) -> FetchRecord | None:
        """The fetch row, with its page stored first unless ``raw`` says where it is already.

        None, counted failed, when it could not be kept; a page received is
        counted as fetched once its row is.
        """
        try:
            record = self.archive.record_fetch(fetch, raw)
        except Exception as exc:  # no row names the page: the next run fetches it again
            _ended(report, _requested(fetch), ArchiveOutcome.FAILED, why("storing", exc))
            return None
        if fetch.outcome is FetchOutcome.FETCHED and fetch.capture is not None:
            report.fetched += 1
        return record

    def _page_filed(self, page: ExtractedPage, outcome: ArchiveOutcome) -> None:
        capture = page.fetch.capture
        assert capture is not None
        report = self.report(page.fetch.outlet)
        report.fetched += 1
        _ended(report, capture.requested_url, outcome, url=capture.url)

    def _not_modified_written(self, fetch: Fetch, error: Exception | None) -> None:
        report = self.report(fetch.outlet)
        if error is not None:  # nothing was kept: the next run asks again
            _ended(report, fetch.url, ArchiveOutcome.FAILED, why("storing", error))
        else:
            _ended(report, fetch.url, ArchiveOutcome.UNCHANGED, url=fetch.url)

    def file(self, record: FetchRecord, capture: Capture, report: OutletReport) -> ArchiveOutcome:
        """Extract a stored capture and file the result (also used to redo failed extractions).

        A store or catalog that is away leaves the capture pending, so a later
        run files it; anything else wrong with it is recorded as its failure,
        so it is not tried again on every run (``reextract --failed`` does).
        """
        requested = capture.requested_url
        try:
            extraction = self._extract(capture, self.profiles.get(capture.outlet, "generic"))
        except Exception as exc:
            report.extraction_failures += 1
            return self._failed(record, report, requested, why("extraction", exc), capture.url)
        return self._file_extraction(record, capture, extraction, report)

    def _file_extraction(
        self,
        record: FetchRecord,
        capture: Capture,
        extraction: Extraction,
        report: OutletReport,
        prepared: PreparedText | None = None,
    ) -> ArchiveOutcome:
        requested = capture.requested_url
        try:
            outcome = self.archive.file_extraction(record, extraction, prepared)
        except StorageError as exc:
            return _ended(report, requested, ArchiveOutcome.FAILED, why("filing", exc))
        except Exception as exc:
            log.warning("filing %s failed", capture.url, exc_info=True)
            return self._failed(record, report, requested, why("filing", exc), capture.url)
        return _ended(report, requested, outcome, url=capture.url)

    def _failed(
        self, record: FetchRecord, report: OutletReport, requested: str, reason: str, url: str
    ) -> ArchiveOutcome:
        """Take the capture off the redo list with its reason (kept for ``reextract``)."""
        with suppress(StorageError):  # the catalog is away: the capture stays pending
            self.archive.mark_extraction_failed(record, reason)
        return _ended(report, requested, ArchiveOutcome.FAILED, reason, url=url)

    def redo_unextracted(self, outlet: str | None = None, *, failed: bool = False) -> int:
        """File captures whose raw page was stored but whose extraction never was.

        With ``failed``, extractions that failed are tried again too.  One
        capture that cannot be read back or filed never stops the others.
        """
        records = self.archive.unextracted(outlet, failed=failed)
        for record in records:
            report = self.report(record.outlet)
            try:
                capture = self.archive.load_capture(record)
            except ObjectMissing as exc:
                self._failed(record, report, record.url, why("stored page", exc), record.url)
                continue
            except StorageError as exc:
                _ended(report, record.url, ArchiveOutcome.FAILED, why("stored page", exc))
                continue
            self.file(record, capture, report)
        return len(records)

    def _extract(self, capture: Capture, profile: str) -> Extraction:
        if self.extract_pool is None:
            return extract_capture(capture, profile)
        return self.extract_pool.submit(extract_capture, capture, profile).result()


def _requested(fetch: Fetch) -> str:
    """The URL the crawl asked for, under which the run's report lists the fetch."""
    return fetch.capture.requested_url if fetch.capture is not None else fetch.url


def _ended(
    report: OutletReport,
    requested: str,
    outcome: ArchiveOutcome,
    reason: str | None = None,
    *,
    url: str = "",
) -> ArchiveOutcome:
    report.add(requested, outcome, reason, url=url)
    return outcome
