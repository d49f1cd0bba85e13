"""What a run shows operators: an outlet's report, its state first."""

from __future__ import annotations

from newsarchive.archiving.expectations import Expectations, check
from newsarchive.archiving.report import OutletReport
from newsarchive.flows.artifacts import render_markdown, report_key
from newsarchive.records import ArchiveOutcome
from newsarchive.spiders.stats import CrawlStats


def vanguard_run() -> OutletReport:
    crawl = CrawlStats(discovered=8, skipped={"over-budget": 1}, documents_read=1)
    report = OutletReport("vanguard", crawl, fetched=6)
    for n in range(2):
        report.add(f"https://example.org/vanguard/{n}", ArchiveOutcome.NEW)
    for n in range(4):
        report.extraction_failures += 1
        report.add(f"https://example.org/vanguard/bad{n}", ArchiveOutcome.FAILED, "extraction: x")
    report.add("https://example.org/vanguard/r.pdf", ArchiveOutcome.SKIPPED, "not-html: HTTP 200")
    return report


def test_each_outlet_has_its_own_report_key() -> None:
    assert report_key("sputnik") == "crawl-report-sputnik"


def test_markdown_lists_alerts_counts_new_articles_failures_and_skips() -> None:
    report = vanguard_run()
    alerts = check(report, [1, 1], Expectations(min_pages_for_rate=4))
    text = render_markdown(report, alerts)
    assert text.index("## Alerts") < text.index("| discovered")
    assert "extraction-failing" in text
    assert "| 8 | 6 | 2 | 0 | 0 | 0 | 2 | 4 |" in text
    assert "- <https://example.org/vanguard/0>" in text
    assert "### Failed (4)" in text and "extraction: x" in text
    assert "### Skipped on purpose (2)" in text and "- not-html: 1" in text
    assert "**Failed**" not in text


def test_markdown_of_an_outlet_that_failed_says_so_first() -> None:
    report = OutletReport(
        "sputnik", CrawlStats(document_error="https://s.example/feed: answered HTTP 404")
    )
    text = render_markdown(report, [])
    assert text.splitlines()[2] == (
        "**Failed**: no discovery document could be read "
        "(https://s.example/feed: answered HTTP 404)"
    )
