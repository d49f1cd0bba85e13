"""An outlet's report: one ending per discovered URL, retries added up, honest failure."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from newsarchive.archiving.report import OutletReport
from newsarchive.records import ArchiveOutcome, DocumentCheck, DocumentFailure, RobotsFile
from newsarchive.spiders.stats import CrawlStats


def test_the_first_ending_of_a_url_stands_but_a_failure_is_repaired() -> None:
    report = OutletReport("o", CrawlStats(discovered=3, documents_read=1))
    report.add("https://o.example/a", ArchiveOutcome.NEW)
    report.add("https://o.example/a", ArchiveOutcome.UNCHANGED)  # a retry saw it again
    report.add("https://o.example/b", ArchiveOutcome.FAILED, "storing: S3 away")
    report.add("https://o.example/b", ArchiveOutcome.NEW)  # the retry stored it
    report.add("https://o.example/c", ArchiveOutcome.FAILED, "http-error: HTTP 500")
    counts = report.counts()
    assert (counts.new, counts.unchanged, counts.failed) == (2, 0, 1)
    assert report.failures == [("https://o.example/c", "http-error: HTTP 500")]


def test_a_retried_task_reports_what_all_its_attempts_did() -> None:
    """200 new articles over two attempts stay 200 new, not 106 new and 94 unchanged."""
    first = OutletReport("o", CrawlStats(discovered=200, documents_read=1), fetched=106)
    for n in range(106):
        first.add(f"https://o.example/{n}", ArchiveOutcome.NEW)
    second = OutletReport("o", CrawlStats(discovered=200, documents_read=1), fetched=94)
    for n in range(200):
        second.add(
            f"https://o.example/{n}", ArchiveOutcome.UNCHANGED if n < 106 else ArchiveOutcome.NEW
        )
    first.absorb(second)
    counts = first.counts()
    assert (counts.discovered, counts.fetched, counts.new, counts.unchanged) == (200, 200, 200, 0)


def test_skips_before_and_after_a_request_are_one_column() -> None:
    skipped = {"over-budget": 1, "out-of-pattern": 1}
    report = OutletReport("o", CrawlStats(discovered=4, skipped=skipped, documents_read=1))
    report.add("https://o.example/a", ArchiveOutcome.NEW)
    report.add("https://o.example/r", ArchiveOutcome.SKIPPED, "refused: Forbidden by robots.txt")
    assert report.counts().skipped == 3
    assert report.skip_reasons() == Counter({"refused": 1, "over-budget": 1, "out-of-pattern": 1})
    assert report.failure() is None


def test_an_outlet_with_no_readable_discovery_document_failed() -> None:
    report = OutletReport(
        "o", CrawlStats(document_error="https://o.example/feed: ConnectionRefusedError")
    )
    assert report.failure() == (
        "no discovery document could be read (https://o.example/feed: ConnectionRefusedError)"
    )
    assert report.summary().as_json()["status"] == "failed"


def test_an_outlet_none_of_whose_articles_was_archived_failed() -> None:
    crawl = CrawlStats(discovered=5, skipped={"out-of-pattern": 1}, documents_read=1)
    report = OutletReport("o", crawl)
    for n in range(3):
        report.add(f"https://o.example/{n}", ArchiveOutcome.FAILED, "http-error: HTTP 503")
    report.add("https://o.example/r", ArchiveOutcome.SKIPPED, "refused: Forbidden by robots.txt")
    assert report.failure() == (
        "none of the 5 discovered articles was archived (3 http-error, 1 refused, 1 out-of-pattern)"
    )


def test_an_empty_feed_and_a_run_with_some_failed_pages_did_their_work() -> None:
    assert OutletReport("o", CrawlStats(documents_read=1)).failure() is None
    report = OutletReport("o", CrawlStats(discovered=2, documents_read=1))
    report.add("https://o.example/a", ArchiveOutcome.UNCHANGED)
    report.add("https://o.example/b", ArchiveOutcome.FAILED, "network-error: timeout")
    assert report.failure() is None
    assert report.summary().as_json()["status"] == "completed"


def test_a_broken_off_crawl_says_why() -> None:
    report = OutletReport(
        "o", CrawlStats(documents_read=1), crawl_error="crawl broke off: child exited 1"
    )
    assert report.failure() == "crawl broke off: child exited 1"


def test_filing_stored_pages_again_is_no_crawl_and_no_outlet_failure() -> None:
    """``reextract`` reads no discovery document: it must not say the outlet was not crawled."""
    report = OutletReport("o")
    report.add("https://o.example/a", ArchiveOutcome.UNCHANGED)
    assert report.failure() is None
    assert report.summary().as_json()["status"] == "completed"
    report.absorb(OutletReport("o", CrawlStats()))  # a crawl that read nothing, by contrast
    assert report.failure() == "no discovery document could be read (none found)"


def test_a_retry_keeps_every_document_read_robots_txt_downloaded_and_the_first_error() -> None:
    robots = RobotsFile("https://o.example", 200, b"User-agent: *\n", datetime.now(UTC))
    first = OutletReport(
        "o", CrawlStats(discovered=3, documents_read=1, document_error="x: 404", robots=(robots,))
    )
    first.absorb(OutletReport("o", CrawlStats(discovered=2, documents_read=0)))
    assert first.crawl is not None
    assert (first.crawl.discovered, first.crawl.documents_read) == (3, 1)
    assert first.crawl.document_error == "x: 404" and first.crawl.robots == (robots,)


def test_the_summary_is_what_crawl_json_prints() -> None:
    report = OutletReport("o", CrawlStats(discovered=3, skipped={"off-site": 2}, documents_read=1))
    report.fetched = 1
    report.add("https://o.example/a", ArchiveOutcome.NEW)
    report.add("https://o.example/b", ArchiveOutcome.FAILED, "http-error: HTTP 404")
    assert report.summary().as_json() == {
        "outlet": "o", "discovered": 3, "fetched": 1, "new": 1, "updated": 0, "unchanged": 0,
        "duplicate": 0, "skipped": 2, "failed": 1, "status": "completed", "reason": None,
        "warning": None,
        "failures": [{"url": "https://o.example/b", "reason": "http-error: HTTP 404"}],
        "skipped_reasons": {"off-site": 2}, "documents": [],
    }  # fmt: skip


def test_documents_that_failed_or_listed_nothing_are_named_with_a_warning() -> None:
    documents = (
        DocumentCheck("https://o.example/sitemap.xml", 200, entries=2),
        DocumentCheck(
            "https://o.example/sitemap-1.xml", 404, failure=DocumentFailure.GONE,
            reason="answered HTTP 404",
        ),
        DocumentCheck("https://o.example/sitemap-2.xml", 200, entries=0),
        DocumentCheck("https://o.example/sitemap-3.xml", 304, unchanged=True),
    )  # fmt: skip
    report = OutletReport("o", CrawlStats(discovered=1, documents_read=3, documents=documents))
    report.add("https://o.example/a", ArchiveOutcome.NEW)
    summary = report.summary().as_json()
    assert summary["status"] == "warning" and summary["reason"] is None
    assert summary["warning"] == "2 of 4 discovery documents failed or listed nothing"
    assert summary["documents"] == [
        {"url": "https://o.example/sitemap-1.xml", "reason": "answered HTTP 404"},
        {"url": "https://o.example/sitemap-2.xml", "reason": "listed nothing"},
    ]


def test_documents_read_afresh_that_list_no_article_are_a_warning_unchanged_ones_not() -> None:
    empty = (DocumentCheck("https://o.example/feed", 200, entries=0),)
    report = OutletReport("o", CrawlStats(documents_read=1, documents=empty))
    assert report.failure() is None
    assert report.warning() == "its 1 discovery document(s) read listed no article"
    unchanged = (DocumentCheck("https://o.example/feed", 304, unchanged=True),)
    assert OutletReport("o", CrawlStats(documents_read=1, documents=unchanged)).warning() is None
