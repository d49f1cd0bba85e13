"""A run whose outlet could not be crawled at all still reports, and says why."""

from __future__ import annotations

import asyncio

import pytest

from newsarchive.archiving.expectations import Expectations, check
from newsarchive.archiving.report import OutletReport
from newsarchive.errors import StorageError
from newsarchive.flows.artifacts import render_markdown
from newsarchive.flows.crawl import _as_report, domain_limit_names
from newsarchive.records import ArchiveOutcome
from newsarchive.spiders.outlets import Outlet

SPUTNIK = Outlet(
    name="sputnik",
    kind="feed",
    start_urls=("https://sputnikglobe.com/export/rss2/archive/index.xml",),
    allowed_domains=("sputnikglobe.com",),
)


def test_a_report_passes_through() -> None:
    report = OutletReport("sputnik", fetched=3)
    assert _as_report(SPUTNIK, report) is report


def test_a_crashed_crawl_becomes_one_listed_failure() -> None:
    report = _as_report(SPUTNIK, StorageError("catalog write failed: disk full\ndetails"))
    assert report.row()["failed"] == 1
    assert report.failures == [
        (SPUTNIK.start_urls[0], "crawl failed: catalog write failed: disk full")
    ]


def test_a_cancelled_crawl_is_not_reported_but_raised() -> None:
    with pytest.raises(asyncio.CancelledError):
        _as_report(SPUTNIK, asyncio.CancelledError())


def test_domain_limits_cover_start_and_allowed_hosts() -> None:
    outlet = SPUTNIK.model_copy(update={"allowed_domains": ("sputnikglobe.com", "cdn.sputnik")})
    assert domain_limit_names(outlet) == ["domain-cdn.sputnik", "domain-sputnikglobe.com"]


def test_markdown_lists_alerts_new_articles_and_failures() -> None:
    runs = [OutletReport("vanguard", fetched=6)]
    for n in range(2):
        runs[0].add(f"https://example.org/vanguard/{n}", ArchiveOutcome.NEW)
    for n in range(4):
        runs[0].extraction_failures += 1
        runs[0].add(
            f"https://example.org/vanguard/bad{n}", ArchiveOutcome.FAILED, "extraction: no text"
        )
    alerts = check(runs[0], [1, 1], Expectations(min_pages_for_rate=4))
    text = render_markdown(runs, alerts)
    assert text.index("## Alerts") < text.index("## vanguard")
    assert "- <https://example.org/vanguard/0>" in text
    assert "### Failed (4)" in text and "extraction: no text" in text
    assert "new: 2" in text and "failed: 4" in text
