"""One Scrapy spider for every outlet of a crawl: the fleet's outlets in one crawler.

Each outlet's discovery spider (:class:`~newsarchive.spiders.base.ArticleSpider`)
is a part of this one: its requests carry the outlet's name, and what they
bring back goes to its callbacks.  Politeness is Scrapy's per-host download
slots, set per outlet by :func:`newsarchive.spiders.settings.crawler_settings`
(outlets that share a host share its slot, at the most polite of their
settings); :class:`OutletDomains` keeps each outlet's requests, redirects
included, on its own domains.  At the end each outlet's numbers are handed
over as a :class:`~newsarchive.spiders.stats.CrawlStats`, with the robots.txt
files its requests had downloaded (:mod:`newsarchive.spiders.robots`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any, Self

import scrapy
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.http import Headers
from scrapy.utils.httpobj import urlparse_cached

from newsarchive.records import OutletMemory, RobotsFile
from newsarchive.spiders.base import LEAD_META, OUTLET_META, ArticleSpider, is_html_type
from newsarchive.spiders.kinds import SPIDERS
from newsarchive.spiders.known import Known
from newsarchive.spiders.outlets import Outlet
from newsarchive.spiders.requisites import REQUISITE_META
from newsarchive.spiders.stats import DOCUMENT_ERROR, CrawlStats
from newsarchive.spiders.urls import on_site

logger = logging.getLogger(__name__)

REQUESTS = "downloader/request_count"


class FleetSpider(scrapy.Spider):
    """The crawl of many outlets at once; ``parts`` holds each outlet's spider by name."""

    name = "newsarchive"

    def __init__(
        self,
        outlets: Sequence[Outlet],
        known: Known | None = None,
        memory: Mapping[str, OutletMemory] | None = None,
        polling: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._outlets = list(outlets)
        self._known = known
        self._memory = memory or {}
        self._polling = polling
        self.parts: dict[str, ArticleSpider] = {}
        self.kept_robots = {
            copy.location: copy for known in self._memory.values() for copy in known.robots
        }
        self._robots: dict[str, list[RobotsFile]] = {}
        self._starts: list[Iterator[Request]] = []  # the outlets' starts Scrapy has not taken

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.parts = {
            outlet.name: SPIDERS[outlet.kind](
                outlet,
                known=spider._known,
                memory=spider._memory.get(outlet.name),
                polling=spider._polling,
                settings=crawler.settings,
            )
            for outlet in spider._outlets
        }
        crawler.signals.connect(spider._skip_non_html_body, signal=signals.headers_received)
        crawler.signals.connect(spider._sent, signal=signals.request_reached_downloader)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        for request in self._interleaved():
            yield request

    def _interleaved(self) -> Iterator[Request]:
        """Every outlet's first requests, one outlet's after another's, round by round, so
        that one outlet with many start URLs does not hold the others back."""
        self._starts = [part.start() for part in self.parts.values()]
        while self._starts:
            still = []
            for starts in self._starts:
                request = next(starts, None)
                if request is not None:
                    yield request
                    still.append(starts)
            self._starts = still

    def taken_back(self, request: Request) -> None:
        """A request counted as it reached its download slot was taken back unsent."""
        part = self.parts.get(request.meta.get(OUTLET_META, ""))
        if part is not None:
            part.counters[REQUESTS] -= 1

    def left_unsent(self, request: Request) -> None:
        """Count a request the crawl deadline left unsent against its outlet."""
        part = self.parts.get(request.meta.get(OUTLET_META, ""))
        if part is not None:
            part.left_unsent(request)

    def drain_starts(self) -> None:
        """Count, as left unsent, the start requests Scrapy had not taken when the crawl ended
        (a large fleet's starts are taken as the downloader has room)."""
        for starts in self._starts:
            for request in starts:
                self.left_unsent(request)
        self._starts = []

    def _skip_non_html_body(self, headers: Headers, request: Request, **_: Any) -> None:
        """Stop an article download at its headers when it declares a non-HTML type.

        A PDF or a video is recorded as NOT_HTML and never archived, so its
        body is not worth the bandwidth (the callback still sees the headers).
        """
        declared = headers.get("Content-Type")
        if LEAD_META in request.meta and declared and not is_html_type(declared):
            raise StopDownload(fail=False)

    def _sent(self, request: Request, **_: Any) -> None:
        part = self.parts.get(request.meta.get(OUTLET_META, ""))
        if part is not None:
            part.counters[REQUESTS] += 1

    def downloaded_robots(self, request: Request, copy: RobotsFile) -> None:
        """Keep a robots.txt downloaded for ``request``, to go back with its outlet's numbers."""
        name = request.meta.get(OUTLET_META, "")
        if name in self.parts:
            self._robots.setdefault(name, []).append(copy)

    def outlet_stats(self, reason: str) -> dict[str, CrawlStats]:
        """Each outlet's numbers, as the crawl ended."""
        found = {}
        for name, part in self.parts.items():
            stats = CrawlStats()
            stats.absorb_scrapy_stats(
                {**part.counters, DOCUMENT_ERROR: part.document_error}, reason
            )
            stats.documents = tuple(part.documents.checks.values())
            stats.robots = tuple(self._robots.get(name, ()))
            found[name] = stats
        return found


class OutletDomains:
    """Downloader middleware: an outlet's requests, redirects included, stay on its domains.

    Scrapy's own offsite filter knows one spider's domains; here every outlet
    has its own (and its ``requisite_hosts`` for the requisites of its pages).
    """

    def __init__(self, crawler: Crawler) -> None:
        self._crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        spider = self._crawler.spider
        if not isinstance(spider, FleetSpider):
            return
        part = spider.parts.get(request.meta.get(OUTLET_META, ""))
        if part is None:
            return
        domains = part.outlet.allowed_domains
        if request.meta.get(REQUISITE_META):
            domains = (*domains, *part.outlet.requisite_hosts)
        if not on_site(request.url, domains):
            host = urlparse_cached(request).hostname
            raise IgnoreRequest(f"off the outlet's allowed_domains: {host}")
