"""What one outlet's crawl came to: the numbers both crawl modes report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from newsarchive.records import Fetch, FetchOutcome

STAT_PREFIX = "newsarchive"
"""Prefix of the spiders' own counters in Scrapy's stats collector."""

FAILED = frozenset(
    {
        FetchOutcome.HTTP_ERROR,
        FetchOutcome.NETWORK_ERROR,
        FetchOutcome.TOO_LARGE,
        FetchOutcome.NOT_HTML,
        FetchOutcome.REDIRECT_LOOP,
    }
)

SPIDER_SIDE = ("discovered", "requests", "page_errors", "over_budget", "finish_reason")
"""The CrawlStats fields that come from Scrapy's stats rather than from the records."""


@dataclass
class CrawlStats:
    """What one outlet's crawl came to (the numbers of a run summary)."""

    discovered: int = 0  # distinct article URLs found (before the budget)
    fetched: int = 0
    not_modified: int = 0
    failed: int = 0  # http/network errors, too large, not HTML, redirect loops
    refused: int = 0  # robots.txt, private address, off-site redirect
    requests: int = 0  # HTTP requests sent, robots.txt and retries included
    page_errors: int = 0  # feeds, sitemaps or listing pages that failed
    callback_errors: int = 0  # exceptions raised by on_fetch
    over_budget: int = 0  # requests not made because max_pages was reached
    finish_reason: str = ""
    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, fetch: Fetch) -> None:
        """Add one fetch record to the per-outcome counters."""
        self.outcomes[fetch.outcome.value] = self.outcomes.get(fetch.outcome.value, 0) + 1
        if fetch.outcome is FetchOutcome.FETCHED:
            self.fetched += 1
        elif fetch.outcome is FetchOutcome.NOT_MODIFIED:
            self.not_modified += 1
        elif fetch.outcome is FetchOutcome.REFUSED:
            self.refused += 1
        elif fetch.outcome in FAILED:
            self.failed += 1

    def absorb_scrapy_stats(self, stats: Mapping[str, Any], reason: str) -> None:
        """Take the spider-side numbers from Scrapy's stats collector."""
        self.discovered = int(stats.get(f"{STAT_PREFIX}/discovered", 0))
        self.page_errors = int(stats.get(f"{STAT_PREFIX}/page_errors", 0))
        self.over_budget = int(stats.get(f"{STAT_PREFIX}/over_budget", 0))
        self.requests = int(stats.get("downloader/request_count", 0))
        self.finish_reason = reason
