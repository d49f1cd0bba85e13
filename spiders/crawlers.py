"""Run one Scrapy crawler per outlet in the current process and collect their records.

Shared by both crawl modes: the in-process mode calls it on the caller's
asyncio loop (no Twisted reactor), the child process calls it under the
Twisted reactor.  Fetch records leave through ``emit`` as the spiders yield
them, via Scrapy's ``item_scraped`` signal.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scrapy import signals
from scrapy.crawler import AsyncCrawlerRunner, Crawler
from scrapy.settings import Settings

from newsarchive.errors import NewsarchiveError
from newsarchive.records import Fetch, FetchOutcome, Validators
from newsarchive.spiders.base import STAT_PREFIX
from newsarchive.spiders.guard import Resolver
from newsarchive.spiders.outlets import Outlet
from newsarchive.spiders.settings import SPIDERS, CrawlOptions, crawler_settings

logger = logging.getLogger(__name__)


class _KnownExperimentalHandler(logging.Filter):
    """Drop Scrapy's per-crawl notice that its aiohttp handler is experimental.

    The in-process mode chooses that handler on purpose (it is what lets many
    crawls share one process without Twisted's reactor), and the subprocess
    mode stands beside it; repeating the notice on every crawl of every run
    only buries the warnings that matter.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "is experimental" not in record.getMessage()


logging.getLogger("scrapy.core.downloader.handlers._base_streaming").addFilter(
    _KnownExperimentalHandler()
)

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


class _Outlet:
    """Signal receivers of one outlet's crawler (kept alive: signals hold weak refs)."""

    def __init__(self, crawler: Crawler, emit: Callable[[Fetch], None]) -> None:
        self.crawler = crawler
        self.emit = emit
        self.stats = CrawlStats()
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def item_scraped(self, item: Any) -> None:
        if not isinstance(item, Fetch):
            return
        self.stats.count(item)
        try:
            self.emit(item)
        except Exception:
            self.stats.callback_errors += 1
            logger.exception("on_fetch failed for %s (%s)", item.url, item.outcome)

    def spider_closed(self, reason: str) -> None:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        self.stats.absorb_scrapy_stats(stats, reason)


async def run_crawlers(
    outlets: Sequence[Outlet],
    *,
    options: CrawlOptions,
    emit: Callable[[Fetch], None],
    known: Mapping[str, Mapping[str, Validators]] | None = None,
    reactor: bool,
    resolver: Resolver | None = None,
) -> dict[str, CrawlStats]:
    """Crawl every outlet concurrently, each with its own politeness settings."""
    runner = AsyncCrawlerRunner(Settings({"TWISTED_REACTOR_ENABLED": reactor}))
    receivers: dict[str, _Outlet] = {}
    tasks: list[asyncio.Future[None]] = []
    for outlet in outlets:
        settings = Settings(crawler_settings(outlet, options, reactor=reactor, resolver=resolver))
        crawler = Crawler(SPIDERS[outlet.kind], settings)
        receivers[outlet.name] = _Outlet(crawler, emit)
        tasks.append(runner.crawl(crawler, outlet=outlet, known=(known or {}).get(outlet.name)))
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for outlet, result in zip(outlets, results, strict=True):
        if isinstance(result, BaseException):
            raise NewsarchiveError(f"crawl of outlet '{outlet.name}' failed: {result}") from result
    return {name: receiver.stats for name, receiver in receivers.items()}
