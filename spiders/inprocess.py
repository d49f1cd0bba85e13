"""Run one Scrapy crawler per outlet in this process and hand on their records.

Shared by both crawl modes: the in-process mode calls it on the caller's
asyncio loop (no Twisted reactor), the child process calls it under the
Twisted reactor.  Fetch records leave through ``emit`` as the spiders yield
them, via Scrapy's ``item_scraped`` signal.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from scrapy import signals
from scrapy.crawler import AsyncCrawlerRunner, Crawler
from scrapy.settings import Settings

from newsarchive.errors import NewsarchiveError
from newsarchive.records import Fetch, OutletMemory
from newsarchive.spiders.base import ArticleSpider
from newsarchive.spiders.guard import Resolver
from newsarchive.spiders.kinds import SPIDERS
from newsarchive.spiders.known import Known
from newsarchive.spiders.options import CrawlOptions
from newsarchive.spiders.outlets import Outlet
from newsarchive.spiders.settings import crawler_settings
from newsarchive.spiders.stats import CrawlStats

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


Emit = Callable[[Fetch], Awaitable[None] | None]
"""Where fetches go; an awaitable it returns holds the crawl back until it is done."""

logging.getLogger("scrapy.core.downloader.handlers._base_streaming").addFilter(
    _KnownExperimentalHandler()
)


class _CrawlWatcher:
    """Signal receivers of one outlet's crawler (kept alive: signals hold weak refs)."""

    def __init__(self, crawler: Crawler, emit: Emit) -> None:
        self.crawler = crawler
        self.emit = emit
        self.stats = CrawlStats()
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    async def item_scraped(self, item: Any) -> None:
        """Hand the fetch on; Scrapy awaits this, so a receiver that is full slows the crawl.

        While the awaitable ``emit`` returned is pending, the response stays
        in Scrapy's scraper slot, and past ``SCRAPER_SLOT_MAX_ACTIVE_SIZE``
        bytes Scrapy stops handing out downloads: fetched pages never pile up
        in memory waiting for the archive.
        """
        if not isinstance(item, Fetch):
            return
        self.stats.count(item)
        try:
            handed = self.emit(item)
            if handed is not None:
                await handed
        except Exception:
            self.stats.callback_errors += 1
            logger.exception("on_fetch failed for %s (%s)", item.url, item.outcome)

    def spider_closed(self, spider: ArticleSpider, reason: str) -> None:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        self.stats.absorb_scrapy_stats(stats, reason)
        self.stats.documents = tuple(spider.documents.checks.values())


async def run_scrapy(
    outlets: Sequence[Outlet],
    *,
    options: CrawlOptions,
    emit: Emit,
    known: Known | None = None,
    memory: Mapping[str, OutletMemory] | None = None,
    reactor: bool,
    resolver: Resolver | None = None,
) -> dict[str, CrawlStats]:
    """Crawl every outlet concurrently, each with its own politeness settings."""
    memory = memory or {}
    runner = AsyncCrawlerRunner(Settings({"TWISTED_REACTOR_ENABLED": reactor}))
    receivers: dict[str, _CrawlWatcher] = {}
    tasks: list[asyncio.Future[None]] = []
    for outlet in outlets:
        every_outlet = [d for o in outlets for d in o.allowed_domains] if reactor else []
        settings = Settings(
            crawler_settings(
                outlet, options, reactor=reactor, resolver=resolver, exempt=every_outlet
            )
        )
        crawler = Crawler(SPIDERS[outlet.kind], settings)
        receivers[outlet.name] = _CrawlWatcher(crawler, emit)
        tasks.append(
            runner.crawl(
                crawler,
                outlet=outlet,
                known=known,
                memory=memory.get(outlet.name),
                polling=options.polling,
            )
        )
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for outlet, result in zip(outlets, results, strict=True):
        if isinstance(result, BaseException):
            raise NewsarchiveError(f"crawl of outlet '{outlet.name}' failed: {result}") from result
    return {name: receiver.stats for name, receiver in receivers.items()}
