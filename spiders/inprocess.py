"""Run the one Scrapy crawler of a crawl's outlets in this process and hand on its records.

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
from newsarchive.spiders.fleet import FleetSpider
from newsarchive.spiders.guard import Resolver
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
    """Signal receivers of the crawl's crawler (kept alive: signals hold weak refs)."""

    def __init__(self, crawler: Crawler, emit: Emit) -> None:
        self.crawler = crawler
        self.emit = emit
        self.stats: dict[str, CrawlStats] = {}
        self.outcomes: dict[str, CrawlStats] = {}
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
        counted = self.outcomes.setdefault(item.outlet, CrawlStats())
        counted.count(item)
        try:
            handed = self.emit(item)
            if handed is not None:
                await handed
        except Exception:
            counted.callback_errors += 1
            logger.exception("on_fetch failed for %s (%s)", item.url, item.outcome)

    def spider_closed(self, spider: FleetSpider, reason: str) -> None:
        for name, stats in spider.outlet_stats(reason).items():
            counted = self.outcomes.get(name) or CrawlStats()
            stats.outcomes, stats.callback_errors = counted.outcomes, counted.callback_errors
            self.stats[name] = stats


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
    """Crawl every outlet at once, in one crawler, each site at its outlet's pace."""
    runner = AsyncCrawlerRunner(Settings({"TWISTED_REACTOR_ENABLED": reactor}))
    settings = Settings(crawler_settings(outlets, options, reactor=reactor, resolver=resolver))
    crawler = Crawler(FleetSpider, settings)
    watcher = _CrawlWatcher(crawler, emit)
    crawl = runner.crawl(
        crawler, outlets=outlets, known=known, memory=memory, polling=options.polling
    )
    try:
        await asyncio.shield(crawl)
    except asyncio.CancelledError:  # the caller stopped the crawl: Scrapy stops it as its own
        await crawler.stop_async()
        await asyncio.gather(crawl, return_exceptions=True)
        raise
    except Exception as exc:
        names = ", ".join(o.name for o in outlets[:5]) + (" ..." if len(outlets) > 5 else "")
        raise NewsarchiveError(f"crawl of {names} failed: {exc}") from exc
    return {o.name: watcher.stats.get(o.name) or CrawlStats() for o in outlets}
