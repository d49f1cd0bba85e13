"""What one outlet's crawl came to: the numbers both crawl modes report.

The spiders count in Scrapy's stats collector what never becomes a record
(URLs discovered, URLs skipped before any request and why, discovery
documents read or failed); the records of fetches are counted as they pass.
Together they account for every URL a discovery document listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from newsarchive.records import DocumentCheck, Fetch, FetchOutcome, RobotsFile

STAT_PREFIX = "newsarchive"
"""Prefix of the spiders' own counters in Scrapy's stats collector."""

DISCOVERED = "discovered"
SKIPPED = "skipped"
DOCUMENTS_READ = "documents_read"
DOCUMENTS_FAILED = "documents_failed"
PAGES_OVER_BUDGET = "pages_over_budget"
UNSENT = "unsent"
DEADLINE = "deadline"
"""The skip of an article URL the crawl deadline left unrequested."""
DEADLINE_REASON = "closespider_timeout"
"""Scrapy's finish reason of a crawl its ``CLOSESPIDER_TIMEOUT`` (our crawl deadline) ended."""
DOCUMENT_ERROR = f"{STAT_PREFIX}/document_error"

SkipReason = Literal[
    "invalid-url", "url-too-long", "off-site", "out-of-pattern", "over-budget", "known", "deadline"
]
KNOWN = "known"
"""The skip of a poll's known article not due for a revisit: what a poll is meant to do."""
LOGGED_SKIPS = frozenset({"invalid-url", "url-too-long"})
"""Skips worth a line in the log each: they point at a broken feed, not at a rule."""

SPIDER_SIDE = (
    "discovered",
    "skipped",
    "documents_read",
    "documents_failed",
    "document_error",
    "pages_over_budget",
    "unsent",
    "requests",
    "finish_reason",
)
"""The CrawlStats fields that come from Scrapy's stats rather than from the records, besides
``documents`` (plain dicts) and ``robots`` (the codec's records), which the crawl child hands
over each in its own way."""


@dataclass
class CrawlStats:
    """What one outlet's crawl came to (the numbers of a run summary)."""

    discovered: int = 0  # distinct article URLs the discovery documents listed
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> URLs never requested
    documents_read: int = 0  # feeds, sitemaps or listing pages read
    documents_failed: int = 0  # ... that could not be (an error, or not the expected kind)
    document_error: str = ""  # the first of those, with its reason
    pages_over_budget: int = 0  # discovery pages (next listing pages, sitemaps) not requested
    unsent: int = 0  # other requests than articles' (discovery pages ...) the deadline left
    requests: int = 0  # HTTP requests sent, robots.txt and retries included
    callback_errors: int = 0  # exceptions raised by on_fetch
    finish_reason: str = ""
    outcomes: dict[str, int] = field(default_factory=dict)  # fetch outcome -> records
    documents: tuple[DocumentCheck, ...] = ()  # what each discovery document answered
    robots: tuple[RobotsFile, ...] = ()  # robots.txt files its requests had downloaded

    def count(self, fetch: Fetch) -> None:
        """Add one fetch record to the per-outcome counters."""
        self.outcomes[fetch.outcome.value] = self.outcomes.get(fetch.outcome.value, 0) + 1

    @property
    def fetched(self) -> int:
        return self.outcomes.get(FetchOutcome.FETCHED.value, 0)

    @property
    def not_modified(self) -> int:
        return self.outcomes.get(FetchOutcome.NOT_MODIFIED.value, 0)

    @property
    def over_budget(self) -> int:
        """Requests the budget did not allow: articles skipped and discovery pages left."""
        return self.skipped.get("over-budget", 0) + self.pages_over_budget

    @property
    def cut_by_deadline(self) -> int:
        """Requests the crawl deadline left unsent, articles and others; 0 when it cut nothing."""
        return self.skipped.get(DEADLINE, 0) + self.unsent

    def absorb_scrapy_stats(self, stats: Mapping[str, Any], reason: str) -> None:
        """Take the spider-side numbers from Scrapy's stats collector."""
        self.discovered = int(stats.get(f"{STAT_PREFIX}/{DISCOVERED}", 0))
        prefix = f"{STAT_PREFIX}/{SKIPPED}/"
        self.skipped = {
            key.removeprefix(prefix): int(value)
            for key, value in stats.items()
            if key.startswith(prefix)
        }
        self.documents_read = int(stats.get(f"{STAT_PREFIX}/{DOCUMENTS_READ}", 0))
        self.documents_failed = int(stats.get(f"{STAT_PREFIX}/{DOCUMENTS_FAILED}", 0))
        self.document_error = str(stats.get(DOCUMENT_ERROR, ""))
        self.pages_over_budget = int(stats.get(f"{STAT_PREFIX}/{PAGES_OVER_BUDGET}", 0))
        self.unsent = int(stats.get(f"{STAT_PREFIX}/{UNSENT}", 0))
        self.requests = int(stats.get("downloader/request_count", 0))
        self.finish_reason = reason
