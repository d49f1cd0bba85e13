"""robots.txt read from the archive's copies while they are fresh, and the downloads kept.

Scrapy's :class:`RobotsTxtMiddleware` downloads each host's robots.txt once
per crawl, and a fleet polls an outlet many times a day, each poll a crawl
of its own: a poll of an unchanged feed cost robots.txt besides the feed's
304.  RFC 9309 (section 2.4) lets a crawler use a cached robots.txt for up
to 24 hours, so :class:`CachedRobotsTxt` reads a copy the archive kept that
is fresher than that in place of a download, and hands each robots.txt it
did download this crawl back with the crawl's numbers, to be kept.

The copies come in with the outlets' :class:`~newsarchive.records.OutletMemory`
(each with one outlet whose hosts it rules), which already travels to the
spiders and to the crawl child, rather than as one more input of every
crawl entry point; the crawl reads them as one table.  A download goes back
with the numbers of the outlet whose request asked for it
(``CrawlStats.robots``), which both crawl modes already hand over.

What an answer means follows RFC 9309: a 2xx's rules are obeyed, and a 4xx
(but 429) allows everything, whatever its body says (Scrapy alone would
read a 404 page as rules); both are kept.  A 5xx, a 429 or a network
failure is read as Scrapy reads it and never kept, so the next poll asks
again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import ParseResult, SplitResult, urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler

from newsarchive.records import RobotsFile
from newsarchive.spiders.fleet import FleetSpider

MAX_AGE = timedelta(hours=24)
"""RFC 9309: a crawler SHOULD NOT use a cached robots.txt for longer than this."""

CACHED = "robotstxt/cached"
"""Scrapy stats counter: hosts whose robots.txt came from the archive's copy."""


def robots_location(url: str) -> str:
    """The origin whose robots.txt rules ``url`` (``https://example.com:8443``)."""
    return _origin(urlsplit(url))


def _origin(url: ParseResult | SplitResult) -> str:
    return f"{url.scheme}://{url.netloc}".lower()


def allows_all(status: int) -> bool:
    """A 4xx robots.txt: there are no rules (a 429 asks for patience, and is no answer)."""
    return 400 <= status < 500 and status != 429


def keepable(status: int) -> bool:
    """A robots.txt answer that stands for the next day's crawls: rules, or none at all."""
    return 200 <= status < 300 or allows_all(status)


def fresh(copy: RobotsFile, now: datetime) -> bool:
    """The copy may stand for a download at ``now``."""
    return keepable(copy.status) and now - copy.fetched_at < MAX_AGE


def rules(status: int, body: bytes) -> bytes:
    """What a robots.txt answer says: its body, or nothing for one that allows everything."""
    return b"" if allows_all(status) else body


class CachedRobotsTxt(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, reading the crawl's fresh copies before downloading.

    Only the two steps that touch the network change: looking up a host's
    parser first builds one from a fresh copy when the crawl has one, and a
    downloaded robots.txt is handed to the spider before Scrapy parses it.
    """

    async def robot_parser(self, request: Request) -> RobotParser | None:
        url = urlparse_cached(request)
        spider = self.crawler.spider
        if url.netloc not in self._parsers and isinstance(spider, FleetSpider):
            copy = spider.kept_robots.get(_origin(url))
            if copy is not None and fresh(copy, datetime.now(UTC)):
                body = rules(copy.status, copy.body)
                self._parsers[url.netloc] = build_from_crawler(self._parserimpl, self.crawler, body)
                self._stats.inc_value(CACHED)
        return await super().robot_parser(request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        spider = self.crawler.spider
        if keepable(response.status) and isinstance(spider, FleetSpider):
            location = _origin(urlparse_cached(request))
            copy = RobotsFile(location, response.status, response.body, datetime.now(UTC))
            spider.downloaded_robots(request, copy)
        body = rules(response.status, response.body)
        await super()._parse_robots(response.replace(body=body), netloc, request)
