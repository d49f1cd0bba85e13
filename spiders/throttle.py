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
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.extensions.throttle import AutoThrottle

if TYPE_CHECKING:
    from scrapy.core.downloader import Slot
    from scrapy.http import Response


class Throttle(AutoThrottle):
    def _adjust_delay(self, slot: Slot, latency: float, response: Response) -> None:
        if response.status == 304:
            response = response.replace(status=200)
        super()._adjust_delay(slot, latency, response)
