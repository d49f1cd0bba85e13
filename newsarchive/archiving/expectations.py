"""Per-source expectations: a site whose layout changed must not fail silently.

A layout change rarely breaks a crawl outright; it shows as an outlet that
stops yielding new articles, or whose pages stop yielding text.  Each such
expectation is one :class:`Expectation` in :data:`EXPECTATIONS`: checked
after every run here, raised as a Prefect event and turned into a Prefect
automation by the flows, listed in the run's report, each by one loop over
the registry.  A new alert is one more entry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from newsarchive.archiving.report import OutletReport
from newsarchive.config import Settings
from newsarchive.spiders.outlets import Outlet


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


Check = Callable[[OutletReport, Sequence[int], Expectations], str | None]
"""A run's report, the new-article counts of earlier runs (newest first) and the thresholds
-> the alert's message, or None when the expectation holds."""


@dataclass(frozen=True, slots=True)
class Expectation:
    """One thing an outlet's runs must keep doing, and the alert when they stop."""

    event: str  # the event raised for the outlet, which automations match on
    name: str  # what an operator calls it: the automation's name
    headline: str  # a notification's subject, ``{outlet}`` standing for the outlet's name
    check: Check


@dataclass(frozen=True, slots=True)
class Alert:
    """One broken expectation of one outlet's run."""

    outlet: str
    event: str
    message: str


def _stale(report: OutletReport, earlier_new: Sequence[int], rules: Expectations) -> str | None:
    runs = rules.stale_after_runs
    window = [report.counts().new, *earlier_new][:runs]
    if len(window) < runs or any(window):
        return None
    return f"{report.outlet}: no new article in the last {runs} run{'s' if runs > 1 else ''}"


def _extraction_failing(
    report: OutletReport, _earlier_new: Sequence[int], rules: Expectations
) -> str | None:
    rate = report.extraction_failure_rate
    if report.fetched < rules.min_pages_for_rate or rate <= rules.max_extraction_failure_rate:
        return None
    return (
        f"{report.outlet}: extraction failed for {report.extraction_failures} of "
        f"{report.fetched} pages ({rate:.0%})"
    )


STALE = Expectation(
    event="newsarchive.outlet.stale",
    name="outlet stale",
    headline="{outlet} is stale",
    check=_stale,
)
EXTRACTION_FAILING = Expectation(
    event="newsarchive.outlet.extraction-failing",
    name="extraction failing",
    headline="extraction failing for {outlet}",
    check=_extraction_failing,
)
EXPECTATIONS: tuple[Expectation, ...] = (STALE, EXTRACTION_FAILING)
"""Every expectation checked after a run, in the order alerts are listed."""


def check(
    report: OutletReport, earlier_new_counts: Sequence[int], expectations: Expectations
) -> list[Alert]:
    """Alerts for one outlet's run, given the new-article counts of earlier runs, newest first."""
    return [
        Alert(report.outlet, expectation.event, message)
        for expectation in EXPECTATIONS
        if (message := expectation.check(report, earlier_new_counts, expectations)) is not None
    ]
