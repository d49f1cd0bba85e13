"""Per-source expectations: stale outlets and failing extraction raise alerts."""

from __future__ import annotations

from newsarchive.archiving.expectations import Expectations, check
from newsarchive.archiving.report import OutletReport
from newsarchive.records import ArchiveOutcome

RULES = Expectations(stale_after_runs=3, max_extraction_failure_rate=0.5, min_pages_for_rate=4)


def report(
    outlet: str = "sputnik", *, new: int = 0, fetched: int = 0, failed_extractions: int = 0
) -> OutletReport:
    result = OutletReport(outlet, fetched=fetched)
    for n in range(new):
        result.add(f"https://example.org/{outlet}/{n}", ArchiveOutcome.NEW)
    for n in range(failed_extractions):
        result.extraction_failures += 1
        result.add(
            f"https://example.org/{outlet}/bad{n}", ArchiveOutcome.FAILED, "extraction: no text"
        )
    return result


def test_outlet_is_stale_after_the_configured_number_of_empty_runs() -> None:
    alerts = check(report(), earlier_new_counts=[0, 0, 5], expectations=RULES)
    assert [a.event for a in alerts] == ["newsarchive.outlet.stale"]
    assert alerts[0].message == "sputnik: no new article in the last 3 runs"


def test_one_new_article_in_the_window_is_enough() -> None:
    assert check(report(), earlier_new_counts=[0, 1, 0], expectations=RULES) == []
    assert check(report(new=1), earlier_new_counts=[0, 0, 0], expectations=RULES) == []


def test_too_few_runs_are_not_judged() -> None:
    assert check(report(), earlier_new_counts=[0], expectations=RULES) == []


def test_extraction_failure_rate_above_threshold_alerts() -> None:
    alerts = check(report(new=1, fetched=6, failed_extractions=4), [3, 3], RULES)
    assert [a.event for a in alerts] == ["newsarchive.outlet.extraction-failing"]
    assert "4 of 6 pages (67%)" in alerts[0].message


def test_failure_rate_needs_enough_pages() -> None:
    assert check(report(new=1, fetched=3, failed_extractions=3), [3, 3], RULES) == []
