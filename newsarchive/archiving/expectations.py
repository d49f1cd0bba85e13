"""Per-source expectations: a site whose layout changed must not fail silently.

A layout change rarely breaks a crawl outright; it shows as an outlet that
stops yielding new articles, or whose pages stop yielding text.  Both are
checked after every run and raised as Prefect events and in the run artifact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from newsarchive.archiving.report import OutletReport
from newsarchive.config import Settings
from newsarchive.spiders.outlets import Outlet

STALE = "newsarchive.outlet.stale"
EXTRACTION_FAILING = "newsarchive.outlet.extraction-failing"


@dataclass(frozen=True, slots=True)
class Expectations:
    """Thresholds, from the settings ``NEWSARCHIVE_STALE_AFTER_RUNS`` and friends."""

    stale_after_runs: int = 3
    max_extraction_failure_rate: float = 0.5
    min_pages_for_rate: int = 4

    @classmethod
    def for_outlet(cls, settings: Settings, outlet: Outlet) -> Expectations:
        """The settings' thresholds, with the outlet's own stale threshold where it sets one."""
        return cls(
            stale_after_runs=outlet.stale_after_runs or settings.stale_after_runs,
            max_extraction_failure_rate=settings.max_extraction_failure_rate,
        )


@dataclass(frozen=True, slots=True)
class Alert:
    """One broken expectation, named so operators can build automations on it."""

    outlet: str
    event: str  # STALE | EXTRACTION_FAILING
    message: str


def check(
    report: OutletReport, earlier_new_counts: Sequence[int], expectations: Expectations
) -> list[Alert]:
    """Alerts for one outlet's run, given the new-article counts of earlier runs, newest first."""
    alerts: list[Alert] = []
    window = [report.counts().new, *earlier_new_counts][: expectations.stale_after_runs]
    runs = expectations.stale_after_runs
    if len(window) == runs and not any(window):
        plural = "s" if runs > 1 else ""
        message = f"{report.outlet}: no new article in the last {runs} run{plural}"
        alerts.append(Alert(report.outlet, STALE, message))
    rate = report.extraction_failure_rate
    if (
        report.fetched >= expectations.min_pages_for_rate
        and rate > expectations.max_extraction_failure_rate
    ):
        alerts.append(
            Alert(
                report.outlet,
                EXTRACTION_FAILING,
                f"{report.outlet}: extraction failed for {report.extraction_failures} of "
                f"{report.fetched} pages ({rate:.0%})",
            )
        )
    return alerts
