"""Scrapy's AutoThrottle, with a 304 taken for the full answer it is.

AutoThrottle lets only a 200 lower a site's delay: an error page or a
redirect comes back fast and says nothing of the server's load, and letting
it speed the crawl up would hammer a failing site.  A recrawl, though, is
mostly conditional requests answered 304.  There one slow answer (or one
moment the crawl's event loop was busy, which Scrapy measures as latency)
raised the delay and nothing brought it down again: a 10,000-page recrawl of
the benchmark's site ran at 84 requests a second for its whole length.  A
304 is the server's answer to what was asked, so here it adjusts the delay as
a 200 does.  The floor stays the outlet's ``download_delay``, and every other
status keeps Scrapy's rule.

One crawler crawls many outlets, each host in a download slot of its own
(``DOWNLOAD_SLOTS``): the floor, the ceiling and the concurrency aimed at are
the slot's, where Scrapy's AutoThrottle takes one of each for the crawler.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.extensions.throttle import AutoThrottle

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.core.downloader import Slot
    from scrapy.crawler import Crawler
    from scrapy.http import Response


class Throttle(AutoThrottle):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        slots = crawler.settings.getdict("DOWNLOAD_SLOTS")
        self._floors = {key: float(slot["delay"]) for key, slot in slots.items() if "delay" in slot}
        self._key = ""  # the slot of the response being taken into account

    def _adjust_delay(self, slot: Slot, latency: float, response: Response) -> None:
        if response.status == 304:
            response = response.replace(status=200)
        floor = self._floors.get(self._key, self.mindelay)
        target, self.target_concurrency = self.target_concurrency, float(slot.concurrency)
        low, high, self.mindelay = self.mindelay, self.maxdelay, floor
        self.maxdelay = max(high, floor * 10)
        try:
            super()._adjust_delay(slot, latency, response)
        finally:
            self.target_concurrency, self.mindelay, self.maxdelay = target, low, high

    def _get_slot(self, request: Request, spider: Spider) -> tuple[str | None, Slot | None]:
        """The slot of a response, whose key :meth:`_adjust_delay` looks its floor up by."""
        key, slot = super()._get_slot(request, spider)
        self._key = key or ""
        return key, slot
