"""Where the crawl's connections go: rerouted to a stand-in, never to a non-public address.

Scrapy's own download handler does the work (aiohttp in-process, Twisted in
the crawl child); the handler here wraps it for two things:

- **rerouting**, the crawl's one seam for a stand-in site, as
  ``curl --connect-to`` does: with ``NEWSARCHIVE_REROUTE`` (live host -> base
  URL), a request for such a host is downloaded from ``base + path`` and the
  response comes back under the URL that was asked for, so robots.txt,
  redirects, canonical links and the archive all see the live URLs.  The
  response says so in a ``Via`` header (RFC 9110 7.6.3), kept with it.
- **the guard at connection time**: the resolver the connection itself uses
  checks every address it returns (:func:`newsarchive.spiders.guard.refusal`),
  so a DNS answer that changes after the guard middleware's check (DNS
  rebinding) cannot reach an internal address.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any, Self

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.resolver import CachingThreadedResolver
from scrapy.settings import default_settings
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet.defer import Deferred

from newsarchive.spiders.guard import (
    RESOLVER_SETTING,
    Exemptions,
    NonPublicAddress,
    Resolver,
    refusal,
)

REROUTE_SETTING = "NEWSARCHIVE_REROUTE"
VIA = "1.1 newsarchive-reroute"
_HANDLER = "newsarchive.spiders.connections.ConnectingDownloadHandler"
_TWISTED_RESOLVER = "newsarchive.spiders.connections.GuardedTwistedResolver"
_TWISTED_ONLY_RETRY = "scrapy.core.downloader.handlers.http11.TunnelError"


class GuardedAiohttpResolver(AbstractResolver):
    """aiohttp's resolver for the crawl's connections: answers checked before connecting."""

    def __init__(self, exempt: Exemptions, resolver: Resolver | None = None) -> None:
        self._exempt = exempt
        self._resolver = resolver
        self._system = aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if self._resolver is None:
            results = await self._system.resolve(host, port, family)
        else:  # tests simulate DNS with their own answers
            addresses = await asyncio.get_running_loop().run_in_executor(None, self._resolver, host)
            results = [_result(host, address, port) for address in addresses]
        if not self._exempt.cover(host):
            problem = refusal(host, [result["host"] for result in results])
            if problem:
                raise NonPublicAddress(problem)
        return results

    async def close(self) -> None:
        await self._system.close()


def _result(host: str, address: str, port: int) -> ResolveResult:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    return {
        "hostname": host,
        "host": address,
        "port": port,
        "family": family,
        "proto": 0,
        "flags": socket.AI_NUMERICHOST,
    }


class GuardedTwistedResolver(CachingThreadedResolver):
    """Scrapy's resolver for the Twisted reactor (the crawl child), answers checked."""

    exempt = Exemptions()

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> Self:
        resolver = super().from_crawler(crawler, reactor)
        # One reactor serves every crawler of the child: its resolver exempts all their hosts.
        resolver.exempt = Exemptions.from_settings(crawler.settings)
        return resolver

    def getHostByName(self, name: str, timeout: Any = ()) -> Deferred[str]:
        answer = super().getHostByName(name, timeout)
        if self.exempt.cover(name):
            return answer

        def check(address: str) -> str:
            problem = refusal(name, [address])
            if problem:
                raise NonPublicAddress(problem)
            return address

        return answer.addCallback(check)


class ConnectingDownloadHandler:
    """Download handler for http/https: reroutes the configured hosts, guards the rest."""

    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        self._crawler = crawler
        table = crawler.settings.getdict(REROUTE_SETTING)
        self._table = {host.lower(): base.rstrip("/") for host, base in table.items()}
        self._inner: dict[str, Any] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _handler(self, scheme: str) -> Any:
        """Scrapy's own handler of the scheme for this crawl mode, its resolver guarded."""
        if scheme not in self._inner:
            path = self._crawler.settings["DOWNLOAD_HANDLERS_BASE"][scheme]
            handler = build_from_crawler(load_object(path), self._crawler)
            session = getattr(handler, "_session", None)
            if isinstance(session, aiohttp.ClientSession):  # the in-process (asyncio) mode
                session.connector._resolver = GuardedAiohttpResolver(  # type: ignore[union-attr]
                    Exemptions.from_settings(self._crawler.settings),
                    self._crawler.settings.get(RESOLVER_SETTING),
                )
            self._inner[scheme] = handler
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


def connection_settings(reroute: dict[str, str], *, reactor: bool) -> dict[str, Any]:
    """Scrapy settings that route every http(s) download through the handler above.

    Without the reactor, the retry middleware is not told of the Twisted
    handler's ``TunnelError``: aiohttp never raises it, and naming it imports
    that handler's module, whose deprecated aliases each walk the caller's
    stack with ``inspect.stack()`` (0.3 s of every in-process crawl's start).
    """
    settings: dict[str, Any] = {"DOWNLOAD_HANDLERS": {"http": _HANDLER, "https": _HANDLER}}
    if reroute:
        settings[REROUTE_SETTING] = dict(reroute)
    if reactor:
        settings["TWISTED_DNS_RESOLVER"] = _TWISTED_RESOLVER
    else:
        settings["RETRY_EXCEPTIONS"] = [
            name for name in default_settings.RETRY_EXCEPTIONS if name != _TWISTED_ONLY_RETRY
        ]
    return settings
