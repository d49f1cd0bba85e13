"""Refuse connections to addresses that are not globally routable (the SSRF guard).

A feed, sitemap or redirect controlled by someone else could point the
crawler at the machine's own services, the internal network or a cloud
metadata endpoint.  Two checks apply the same rule:

- a downloader middleware sees every request, redirects included, and
  refuses those whose host resolves to a non-public address, with a clear
  reason in the fetch record;
- the resolver the download itself uses (aiohttp's in-process, Twisted's in
  the crawl child) checks again at connection time, so a host whose DNS
  answer changes between the two (DNS rebinding) is still refused.

A host that is literally one of the outlet's own ``allowed_domains`` (how
tests on 127.0.0.1 are allowed on purpose) or that the crawl was told to
reroute to a stand-in server is exempt: the operator pointed it there.
Public means outside every special-purpose block of the IANA registries
(:data:`NOT_GLOBAL`), including IPv6 forms that embed an IPv4 address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

from newsarchive.identity import is_http

logger = logging.getLogger(__name__)

Resolver = Callable[[str], Sequence[str]]
"""Host name -> IP address strings; blocking, it runs in a worker thread."""

RESOLVER_SETTING = "NEWSARCHIVE_RESOLVER"
EXEMPT_SETTING = "NEWSARCHIVE_GUARD_EXEMPT"

NOT_GLOBAL = tuple(
    ipaddress.ip_network(block)
    for block in (
        # IPv4 special-purpose registry (RFC 6890 and later), not globally reachable
        "0.0.0.0/8",  # this network
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # shared address space (carrier NAT; 100.100.100.200 metadata)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local (169.254.169.254 metadata)
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation (TEST-NET-1)
        "192.88.99.0/24",  # 6to4 relay anycast (deprecated)
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation (TEST-NET-2)
        "203.0.113.0/24",  # documentation (TEST-NET-3)
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved
        "255.255.255.255/32",  # limited broadcast
        # IPv6 special-purpose registry
        "::/128",  # unspecified
        "::1/128",  # loopback
        "::ffff:0:0/96",  # IPv4-mapped (checked as the IPv4 address it carries too)
        "64:ff9b:1::/48",  # local-use IPv4/IPv6 translation
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments (Teredo, benchmarking, ORCHID ...)
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing SIDs
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class RefusedRequest(IgnoreRequest):
    """The request was not sent for a safety reason (address or scheme)."""


class NonPublicAddress(OSError):
    """Raised by the connection-time resolvers: the host resolved to a non-public address."""


def system_resolver(host: str) -> list[str]:
    """Every address the operating system resolves ``host`` to."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]) for info in infos]


def _embedded(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries: mapped, 6to4, Teredo, NAT64."""
    found = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
    if ip in NAT64:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [address for address in found if address is not None]


def is_public(address: str) -> bool:
    """Whether an address is globally routable, in every form it may take."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if any(ip in block for block in NOT_GLOBAL if block.version == ip.version):
        return False
    if isinstance(ip, ipaddress.IPv6Address) and not all(
        is_public(str(inner)) for inner in _embedded(ip)
    ):
        return False
    return ip.is_global


def refusal(host: str, addresses: Iterable[str]) -> str | None:
    """Why ``host`` may not be connected to, or None when all its addresses are public."""
    for address in addresses:
        if not is_public(address):
            return f"{host} resolves to non-public address {address}"
    return None


class PrivateAddressGuard:
    """Downloader middleware: only public addresses, except the outlet's own hosts."""

    def __init__(self, crawler: Crawler, resolver: Resolver) -> None:
        self._crawler = crawler
        self._resolver = resolver
        self._verdicts: dict[str, str | None] = {}
        # hosts the operator pointed the crawl at: the outlet's own, the rerouted ones
        self._exempt = frozenset(crawler.settings.getlist(EXEMPT_SETTING))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, crawler.settings.get(RESOLVER_SETTING) or system_resolver)

    async def process_request(self, request: Request) -> None:
        if not is_http(request.url):
            raise RefusedRequest(f"scheme not allowed: {request.url}")
        host = (urlparse_cached(request).hostname or "").lower()
        if host in self._exempt:
            return
        if host not in self._verdicts:
            self._verdicts[host] = await self._check(host)
        problem = self._verdicts[host]
        if problem:
            raise RefusedRequest(f"{problem}: {request.url}")

    async def _check(self, host: str) -> str | None:
        try:
            addresses = await asyncio.get_running_loop().run_in_executor(None, self._resolver, host)
        except OSError as exc:
            logger.debug("cannot resolve %s: %s", host, exc)
            return None  # the download itself will report the DNS failure
        return refusal(host, addresses)


def guard_settings(
    allowed_domains: Iterable[str], resolver: Resolver | None = None
) -> dict[str, Any]:
    """Scrapy settings of the guard: its exemptions, and a resolver (tests simulate DNS)."""
    settings: dict[str, Any] = {EXEMPT_SETTING: sorted({d.lower() for d in allowed_domains})}
    if resolver is not None:
        settings[RESOLVER_SETTING] = resolver
    return settings
