"""Refuse requests to loopback, private and link-local addresses (SSRF guard).

A feed, sitemap or redirect controlled by someone else could point the
crawler at the machine's own services or the internal network.  This
downloader middleware sees every request, including redirected ones, and
refuses those whose host resolves to a non-public address, unless the host is
literally one of the outlet's own ``allowed_domains`` (which is how tests on
127.0.0.1 are allowed on purpose) or one the crawl was told to reroute to a
stand-in server (:mod:`newsarchive.spiders.reroute`): that connection goes
where the operator pointed it, not where DNS says.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Callable, Sequence
from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

from newsarchive.identity import is_http
from newsarchive.spiders.reroute import REROUTE_SETTING

logger = logging.getLogger(__name__)

Resolver = Callable[[str], Sequence[str]]
"""Host name -> IP address strings; blocking, it runs in a worker thread."""

RESOLVER_SETTING = "NEWSARCHIVE_RESOLVER"


class RefusedRequest(IgnoreRequest):
    """The request was not sent for a safety reason (address or scheme)."""


def system_resolver(host: str) -> list[str]:
    """Every address the operating system resolves ``host`` to."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]) for info in infos]


def is_public(address: str) -> bool:
    """Whether an address is routable on the public internet."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


class PrivateAddressGuard:
    """Downloader middleware: only public addresses, except the outlet's own hosts."""

    def __init__(self, crawler: Crawler, resolver: Resolver) -> None:
        self._crawler = crawler
        self._resolver = resolver
        self._verdicts: dict[str, str | None] = {}
        self._rerouted = {host.lower() for host in crawler.settings.getdict(REROUTE_SETTING)}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, crawler.settings.get(RESOLVER_SETTING) or system_resolver)

    async def process_request(self, request: Request) -> None:
        if not is_http(request.url):
            raise RefusedRequest(f"scheme not allowed: {request.url}")
        host = (urlparse_cached(request).hostname or "").lower()
        spider = self._crawler.spider
        own_hosts = {d.lower() for d in getattr(spider, "allowed_domains", None) or ()}
        if host in own_hosts or host in self._rerouted:
            return
        if host not in self._verdicts:
            self._verdicts[host] = await self._check(host)
        problem = self._verdicts[host]
        if problem:
            raise RefusedRequest(f"{problem}: {request.url}")

    async def _check(self, host: str) -> str | None:
        """None when every address of ``host`` is public, else why not."""
        try:
            addresses = await asyncio.get_running_loop().run_in_executor(None, self._resolver, host)
        except OSError as exc:
            logger.debug("cannot resolve %s: %s", host, exc)
            return None  # the download itself will report the DNS failure
        for address in addresses:
            if not is_public(address):
                return f"{host} resolves to non-public address {address}"
        return None


def resolver_setting(resolver: Resolver | None) -> dict[str, Any]:
    """Scrapy settings that inject a resolver (tests simulate DNS with it)."""
    return {RESOLVER_SETTING: resolver} if resolver else {}
