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
from dataclasses import dataclass, field

from newsarchive.archiving.report import OutletReport
from newsarchive.archiving.requisites import file_requisite
from newsarchive.errors import ExtractionError, InputError
from newsarchive.extraction import extract
from newsarchive.records import ArchiveOutcome, Capture, Extraction, Fetch, FetchOutcome
from newsarchive.spiders.outlets import Outlet
from newsarchive.spiders.requisites import is_requisite
from newsarchive.storage import Archive, FetchRecord

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

    def process(self, fetch: Fetch) -> ArchiveOutcome:
        """Store the fetch, then extract and file it; every fetch ends in one outcome."""
        if is_requisite(fetch):  # a page's stylesheet or image: kept, never extracted
            return file_requisite(self.archive, fetch)
        report = self.report(fetch.outlet)
        record = self.archive.record_fetch(fetch)
        if fetch.outcome is FetchOutcome.NOT_MODIFIED:
            report.add(fetch.url, ArchiveOutcome.UNCHANGED)
            return ArchiveOutcome.UNCHANGED
        if fetch.outcome is not FetchOutcome.FETCHED or fetch.capture is None:
            reason = fetch.error or fetch.outcome.value
            report.add(fetch.url, ArchiveOutcome.FAILED, f"{fetch.outcome.value}: {reason}")
            return ArchiveOutcome.FAILED
        report.fetched += 1
        return self.file(record, fetch.capture, report)

    def file(self, record: FetchRecord, capture: Capture, report: OutletReport) -> ArchiveOutcome:
        """Extract a stored capture and file the result (also used to redo failed extractions)."""
        profile = self.profiles.get(capture.outlet, "generic")
        try:
            extraction = self._extract(capture, profile)
        except (ExtractionError, InputError) as exc:
            self.archive.mark_extraction_failed(record, str(exc))
            report.extraction_failures += 1
            report.add(capture.url, ArchiveOutcome.FAILED, f"extraction: {exc}")
            return ArchiveOutcome.FAILED
        outcome = self.archive.file_extraction(record, extraction)
        report.add(capture.url, outcome)
        return outcome

    def redo_unextracted(self, outlet: str | None = None, *, failed: bool = False) -> int:
        """File captures whose raw page was stored but whose extraction never was.

        With ``failed``, extractions that failed are tried again too.
        """
        records = self.archive.unextracted(outlet, failed=failed)
        for record in records:
            capture = self.archive.load_capture(record)
            self.file(record, capture, self.report(capture.outlet))
        return len(records)

    def _extract(self, capture: Capture, profile: str) -> Extraction:
        if self.extract_pool is None:
            return extract_capture(capture, profile)
        return self.extract_pool.submit(extract_capture, capture, profile).result()
