"""The crawl deadline: past it, a crawl sends no more requests and ends with what it has.

Scrapy's CloseSpider extension (``CLOSESPIDER_TIMEOUT``) closes the crawl
when the deadline passes, and Scrapy lets every request it has handed to
its downloader end first: the downloads in flight, each within the download
timeout, which are received and filed as any others, but also the requests
waiting in a site's download slot for their turn, one politeness delay
after another, which for a slow site is most of the work the deadline was
to cut.  So when the deadline passes, :class:`Deadline` takes those waiting
requests back to the scheduler unsent (:class:`DeadlineMiddleware`), and
:class:`DeadlineScheduler` counts whatever it holds when the crawl closes
against each request's outlet (one crawler holds every outlet of a crawl),
with the starts Scrapy had not yet taken: each outlet's report then says
what the deadline left, and the run's site leases are released as after any
crawl.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler
from scrapy.extensions.closespider import CloseSpider
from scrapy.utils.asyncio import call_later
from twisted.internet.defer import Deferred

from newsarchive.spiders.fleet import FleetSpider
from newsarchive.spiders.stats import DEADLINE_REASON

PRIORITY = 990
"""Next to the downloader, so that the middleware sees a waiting request's cut first."""


class DeadlinePassed(Exception):
    """A request still waiting for its download slot when the crawl deadline passed."""


class Deadline(CloseSpider):
    """Scrapy's CloseSpider, which past ``CLOSESPIDER_TIMEOUT`` also takes back the requests
    waiting in the download slots, so that the crawl ends with the downloads in flight."""

    def _close_spider(self, reason: str) -> None:
        super()._close_spider(reason)  # begins the close, which lets nothing new be downloaded
        if reason == DEADLINE_REASON:
            call_later(0, _take_back_waiting, self.crawler)


def _take_back_waiting(crawler: Crawler) -> None:
    downloader = getattr(crawler.engine, "downloader", None)
    spider = crawler.spider
    for slot in getattr(downloader, "slots", {}).values():
        while slot.queue:
            request, waiting = slot.queue.popleft()
            if isinstance(spider, FleetSpider):
                spider.taken_back(request)
            waiting.errback(DeadlinePassed())


class DeadlineMiddleware:
    """Downloader middleware: a request the deadline took back goes back to the scheduler,
    never to its callbacks as a failure (it was not sent, nothing failed)."""

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        return request if isinstance(exception, DeadlinePassed) else None


class DeadlineScheduler(Scheduler):
    """Scrapy's scheduler, which on the deadline's close counts what it still holds by outlet."""

    def close(self, reason: str) -> Deferred[None] | None:
        spider = getattr(self, "spider", None)
        if reason == DEADLINE_REASON and isinstance(spider, FleetSpider):
            while (request := self.next_request()) is not None:
                spider.left_unsent(request)
            spider.drain_starts()
        return super().close(reason)
