"""What a run shows operators: an outlet's report, its state first."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from loopback import Site, html, options, outlet, rss

from newsarchive.archiving.fleet import poll_of
from newsarchive.archiving.health import Rules, assess
from newsarchive.archiving.report import OutletReport
from newsarchive.archiving.run import archive_outlets
from newsarchive.config import Settings
from newsarchive.flows.artifacts import render_fleet, render_markdown, report_key, summary_row
from newsarchive.records import (
    ArchiveOutcome,
    DocumentCheck,
    DocumentFailure,
    OutletState,
    Progress,
    RunCounts,
)
from newsarchive.spiders.outlets import Outlet
from newsarchive.spiders.stats import CrawlStats
from newsarchive.storage import Archive


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
    outlet = Outlet.model_validate(
        {
            "name": "vanguard",
            "kind": "sitemap",
            "start_urls": ["https://example.org/news-sitemap.xml"],
            "allowed_domains": ["example.org"],
        }
    )
    rules = Rules()
    change = assess(
        outlet, OutletState("vanguard"), poll_of(report, datetime.now(UTC), rules), rules
    )
    text = render_markdown(report, change)
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
    text = render_markdown(report, None)
    assert text.splitlines()[2] == (
        "**Failed**: no discovery document could be read "
        "(https://s.example/feed: answered HTTP 404)"
    )


def test_markdown_names_the_documents_that_failed_or_listed_nothing() -> None:
    documents = (
        DocumentCheck("https://s.example/sitemap.xml", 200, entries=1),
        DocumentCheck(
            "https://s.example/gone.xml", 404, failure=DocumentFailure.GONE,
            reason="answered HTTP 404",
        ),
        DocumentCheck("https://s.example/empty.xml", 200, entries=0),
    )  # fmt: skip
    report = OutletReport("s", CrawlStats(discovered=1, documents_read=2, documents=documents))
    report.add("https://s.example/a", ArchiveOutcome.NEW)
    text = render_markdown(report, None)
    assert text.splitlines()[2] == (
        "**Warning**: 2 of 3 discovery documents failed or listed nothing"
    )
    assert "### Discovery documents that failed or listed nothing (2)" in text
    assert "- <https://s.example/gone.xml>: answered HTTP 404" in text
    assert "- <https://s.example/empty.xml>: listed nothing" in text


def test_the_fleet_artifact_lists_the_outlets_that_need_a_look() -> None:
    empty = (DocumentCheck("https://s.example/feed", 200, entries=0),)
    quiet = OutletReport("s", CrawlStats(documents_read=1, documents=empty))
    fine = OutletReport("v", CrawlStats(documents_read=1))
    text = render_fleet([quiet, fine], [])
    assert "### Needs a look (1)" in text
    assert "- s: its 1 discovery document(s) read listed no article" in text


def test_the_summary_row_of_a_failed_outlet_says_it_failed_and_why() -> None:
    refused = "https://d.example/feed.xml: connection refused"
    down = OutletReport("down", CrawlStats(document_error=refused))
    fine = OutletReport("fine", CrawlStats(discovered=1, documents_read=1))
    fine.add("https://f.example/a", ArchiveOutcome.NEW)

    failed, completed = summary_row(down), summary_row(fine)
    assert list(failed) == ["outlet", "state", *RunCounts.columns(), "reason"]
    assert failed["state"] == "failed"
    assert failed["reason"] == f"no discovery document could be read ({refused})"
    assert all(failed[column] == 0 for column in RunCounts.columns())
    assert (completed["state"], completed["reason"], completed["new"]) == ("completed", "", 1)


def test_progress_is_full_only_for_a_crawl_that_did_its_work(tmp_path: Path) -> None:
    """An outlet whose feed is gone fetched nothing: its bar stays empty, the other's is full."""
    seen: list[list[Progress]] = []

    async def record(progress: list[Progress]) -> None:
        seen.append(progress)

    settings = Settings(home=tmp_path / "archive")
    with Site() as site, Archive.open(settings.database_url, settings.store_url) as archive:
        site.page("/robots.txt", "User-agent: *\n", "text/plain")
        site.page("/a/1.html", html("Story one"))
        working = outlet(site, "feed", rss(site, ["/a/1.html"]), name="working")
        gone = outlet(site, "feed", "/no-feed.xml", name="gone")
        asyncio.run(archive_outlets([working, gone], archive, options(), on_progress=record))

    last = {item.outlet: item for item in seen[-1]}
    assert (last["gone"].fetched, last["gone"].share) == (0, 0.0)
    assert (last["working"].fetched, last["working"].share) == (1, 1.0)
