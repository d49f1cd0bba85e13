"""Connect to another server for some hosts, as ``curl --connect-to`` does.

The crawl's only seam for a stand-in site: with ``NEWSARCHIVE_REROUTE``
(live host -> base URL) set, a request for such a host is downloaded from
``base + path`` instead, and the response comes back under the URL that was
asked for, so robots.txt, redirects, canonical links and the archive all see
the live URLs.  The response says so in a ``Via`` header (RFC 9110 7.6.3),
which the archive keeps with it.  Without the setting the handler is never
installed: a live crawl downloads with Scrapy's own handlers, untouched.
"""

from __future__ import annotations

from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler, load_object

REROUTE_SETTING = "NEWSARCHIVE_REROUTE"
VIA = "1.1 newsarchive-reroute"


class ReroutingDownloadHandler:
    """Download handler for http/https that reroutes the configured hosts."""

    lazy = False

    def __init__(self, crawler: Crawler, table: dict[str, str]) -> None:
        self._crawler = crawler
        self._table = {host.lower(): base.rstrip("/") for host, base in table.items()}
        self._inner: dict[str, Any] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, dict(crawler.settings.getdict(REROUTE_SETTING)))

    def _handler(self, scheme: str) -> Any:
        """Scrapy's own handler of the scheme for this crawl mode (aiohttp or Twisted)."""
        if scheme not in self._inner:
            path = self._crawler.settings["DOWNLOAD_HANDLERS_BASE"][scheme]
            self._inner[scheme] = build_from_crawler(load_object(path), self._crawler)
        return self._inner[scheme]

    async def download_request(self, request: Request) -> Response:
        parts = urlparse_cached(request)
        base = self._table.get((parts.hostname or "").lower())
        if base is None:
            response: Response = await self._handler(parts.scheme).download_request(request)
            return response
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        target = request.replace(url=base + path)
        response = await self._handler(urlparse_cached(target).scheme).download_request(target)
        headers = response.headers.copy()
        headers.appendlist("Via", VIA)
        return response.replace(url=request.url, headers=headers, request=request)

    async def close(self) -> None:
        for handler in self._inner.values():
            await handler.close()


def reroute_settings(table: dict[str, str]) -> dict[str, Any]:
    """Scrapy settings that install the handler, only when there is something to reroute."""
    if not table:
        return {}
    handler = f"{ReroutingDownloadHandler.__module__}.{ReroutingDownloadHandler.__name__}"
    return {REROUTE_SETTING: dict(table), "DOWNLOAD_HANDLERS": {"http": handler, "https": handler}}
