"""One capture's path from fetch to archive: stored, extracted, filed, counted.

The order is the archive's promise: the raw response is stored (and its
fetch row committed) *before* extraction runs, so an extraction failure
loses nothing and can be redone later from the stored raw page.  Extraction
is CPU-bound and runs in a process pool when one is given; storage calls are
I/O and run in the caller's threads.
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from contextlib import suppress
from dataclasses import dataclass, field

from newsarchive.archiving.refetches import NotModifiedWriter
from newsarchive.archiving.report import OutletReport
from newsarchive.archiving.requisites import file_requisite
from newsarchive.errors import NewsarchiveError, StorageError
from newsarchive.extraction import extract
from newsarchive.records import ArchiveOutcome, Capture, Extraction, Fetch, FetchOutcome
from newsarchive.spiders.outlets import Outlet
from newsarchive.spiders.requisites import is_requisite
from newsarchive.storage import Archive, FetchRecord, ObjectMissing

log = logging.getLogger(__name__)


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

    def __post_init__(self) -> None:
        self.refetches = NotModifiedWriter(self.archive, self._not_modified_written)

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
        A 304 goes to the refetch writer and is counted once written, maybe by
        another thread (None here, then).
        """
        if is_requisite(fetch):  # a page's stylesheet or image: kept, never extracted
            return file_requisite(self.archive, fetch)
        if fetch.outcome is FetchOutcome.NOT_MODIFIED:
            self.refetches.add(fetch)
            return None
        report = self.report(fetch.outlet)
        requested = fetch.capture.requested_url if fetch.capture is not None else fetch.url
        try:
            record = self.archive.record_fetch(fetch)
        except Exception as exc:  # nothing was kept: the next run fetches the page again
            return _ended(report, requested, ArchiveOutcome.FAILED, _why("storing", exc))
        if fetch.outcome is not FetchOutcome.FETCHED or fetch.capture is None:
            outcome = ArchiveOutcome.SKIPPED if fetch.outcome.declined else ArchiveOutcome.FAILED
            reason = f"{fetch.outcome.value}: {fetch.error or fetch.outcome.value}"
            return _ended(report, requested, outcome, reason)
        report.fetched += 1
        return self.file(record, fetch.capture, report)

    def _not_modified_written(self, fetch: Fetch, error: Exception | None) -> None:
        report = self.report(fetch.outlet)
        if error is not None:  # nothing was kept: the next run asks again
            _ended(report, fetch.url, ArchiveOutcome.FAILED, _why("storing", error))
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
            return self._failed(record, report, requested, _why("extraction", exc), capture.url)
        try:
            outcome = self.archive.file_extraction(record, extraction)
        except StorageError as exc:
            return _ended(report, requested, ArchiveOutcome.FAILED, _why("filing", exc))
        except Exception as exc:
            log.warning("filing %s failed", capture.url, exc_info=True)
            return self._failed(record, report, requested, _why("filing", exc), capture.url)
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
                self._failed(record, report, record.url, _why("stored page", exc), record.url)
                continue
            except StorageError as exc:
                _ended(report, record.url, ArchiveOutcome.FAILED, _why("stored page", exc))
                continue
            self.file(record, capture, report)
        return len(records)

    def _extract(self, capture: Capture, profile: str) -> Extraction:
        if self.extract_pool is None:
            return extract_capture(capture, profile)
        return self.extract_pool.submit(extract_capture, capture, profile).result()


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


def _why(doing: str, error: Exception) -> str:
    """A one-line reason: the project's own errors say it, others are named by their type."""
    first = str(error).splitlines()[0] if str(error) else ""
    if isinstance(error, NewsarchiveError):
        return f"{doing}: {first}"
    return f"{doing}: {type(error).__name__}: {first}".rstrip(": ")
