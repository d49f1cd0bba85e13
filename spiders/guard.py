"""Refuse connections to addresses that are not globally routable (the SSRF guard).

A feed, sitemap or redirect controlled by someone else could point the
crawler at the machine's own services, the internal network or a cloud
metadata endpoint, and so could an outlet's own domain once its DNS answer
changes hands (a hijacked or expired domain).  Two checks apply the same rule
to every DNS answer of every name:

- a downloader middleware sees every request, redirects included, and
  refuses those whose host resolves to a non-public address, with a clear
  reason in the fetch record (another, :class:`RedirectTargets`, refuses a
  redirect to a scheme that is never fetched, saying which);
- the resolver the download itself uses (aiohttp's in-process, Twisted's in
  the crawl child) checks again at connection time, so a host whose DNS
  answer changes between the two (DNS rebinding) is still refused.

Only what the operator wrote down is exempt (:class:`Exemptions`): an IP
address written in an outlet's ``allowed_domains`` (that address alone), the
hosts of an outlet marked ``private_addresses = true`` (an intranet outlet),
and the stand-in servers of a reroute table.  A rerouted host is judged by
where its connections go, its stand-in, never by its own DNS answer, which
the crawl does not use.  Public means outside every special-purpose block of
the IANA registries (:data:`NOT_GLOBAL`), including IPv6 forms that embed an
IPv4 address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.httpobj import urlparse_cached
from w3lib.url import safe_url_string

from newsarchive.identity import is_http, without_credentials

logger = logging.getLogger(__name__)

Resolver = Callable[[str], Sequence[str]]
"""Host name -> IP address strings; blocking, it runs in a worker thread."""

RESOLVER_SETTING = "NEWSARCHIVE_RESOLVER"
HOSTS_SETTING = "NEWSARCHIVE_GUARD_HOSTS"
DOMAINS_SETTING = "NEWSARCHIVE_GUARD_PRIVATE_DOMAINS"
DESTINATIONS_SETTING = "NEWSARCHIVE_GUARD_DESTINATIONS"
OPT_IN = "private_addresses = true"
"""The outlets-file key that lets an intranet outlet's own hosts resolve to private addresses."""

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
"""The statuses Scrapy's redirect middleware follows (and leaves alone for other schemes)."""

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


def is_address(host: str) -> bool:
    """Whether ``host`` is an IP address written out, not a name to resolve."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


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
            if is_address(host):
                return f"non-public address {address}"
            # an operator reading this about an outlet's own intranet host needs the way out
            return f"{host} resolves to non-public address {address} (without {OPT_IN})"
    return None


@dataclass(frozen=True, slots=True)
class Exemptions:
    """The hosts the operator pointed the crawl at, which may be non-public addresses.

    ``hosts`` are exempt exactly (an IP address written in ``allowed_domains``,
    a reroute's stand-in server); ``domains`` with their subdomains (the hosts
    of an outlet that opted in with ``private_addresses = true``).
    """

    hosts: frozenset[str] = frozenset()
    domains: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        return cls(
            frozenset(settings.getlist(HOSTS_SETTING)), tuple(settings.getlist(DOMAINS_SETTING))
        )

    def cover(self, host: str) -> bool:
        name = host.lower().removesuffix(".")
        return name in self.hosts or any(
            name == domain or name.endswith(f".{domain}") for domain in self.domains
        )


class RedirectTargets:
    """Downloader middleware, just outside Scrapy's redirect middleware: what a redirect
    may lead to.

    Scrapy leaves a redirect to a scheme it does not follow (``file:``,
    ``ftp:``, ``data:``) to the spider as an answer, which then reads as an
    HTTP error; it is refused here, saying what it led to.  A ``Location``
    carrying ``user:password@`` loses it before Scrapy reads it, so it is
    never logged, requested or stored, as a discovered link would lose it.
    A redirect the request does not follow (a known article's) is only
    cleaned: it is kept as what the page became.
    """

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get("Location")
        if response.status not in REDIRECT_STATUSES or not location:
            return response
        written = safe_url_string(location)
        public = without_credentials(written)
        target = urljoin(request.url, public)
        if not is_http(target) and not request.meta.get("dont_redirect"):
            raise RefusedRequest(f"refused redirect to a {urlsplit(target).scheme}: URL")
        if public == written:
            return response
        headers = response.headers.copy()
        headers["Location"] = public
        return response.replace(headers=headers)


class PrivateAddressGuard:
    """Downloader middleware: only public addresses, except where the operator pointed."""

    def __init__(self, crawler: Crawler, resolver: Resolver) -> None:
        self._crawler = crawler
        self._resolver = resolver
        self._verdicts: dict[str, str | None] = {}
        self._exempt = Exemptions.from_settings(crawler.settings)
        # a rerouted host's connections go to its stand-in: that is what is judged
        self._destinations: dict[str, str] = crawler.settings.getdict(DESTINATIONS_SETTING)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, crawler.settings.get(RESOLVER_SETTING) or system_resolver)

    async def process_request(self, request: Request) -> None:
        if not is_http(request.url):
            raise RefusedRequest(f"scheme not allowed: {request.url}")
        host = (urlparse_cached(request).hostname or "").lower()
        host = self._destinations.get(host, host)
        if self._exempt.cover(host):
            return
        if host not in self._verdicts:
            self._verdicts[host] = await self._check(host)
        problem = self._verdicts[host]
        if problem:
            raise RefusedRequest(f"{problem}: {request.url}")

    async def _check(self, host: str) -> str | None:
        if is_address(host):  # no DNS answer to ask for: the address itself is judged
            return refusal(host, [host])
        try:
            addresses = await asyncio.get_running_loop().run_in_executor(None, self._resolver, host)
        except OSError as exc:
            logger.debug("cannot resolve %s: %s", host, exc)
            return None  # the download itself will report the DNS failure
        return refusal(host, addresses)


def guard_settings(
    *,
    hosts: Iterable[str] = (),
    private_domains: Iterable[str] = (),
    reroute: Mapping[str, str] | None = None,
    resolver: Resolver | None = None,
) -> dict[str, Any]:
    """Scrapy settings of the guard: its exemptions, and a resolver (tests simulate DNS).

    ``hosts`` are exempt exactly, ``private_domains`` with their subdomains;
    ``reroute`` (live host -> stand-in base URL) makes each live host judged
    as its stand-in, which is exempt as the operator named it.
    """
    destinations = {
        live.lower(): (urlsplit(base).hostname or "").lower()
        for live, base in (reroute or {}).items()
    }
    settings: dict[str, Any] = {
        HOSTS_SETTING: sorted(({h.lower() for h in hosts} | set(destinations.values())) - {""}),
        DOMAINS_SETTING: sorted({d.lower() for d in private_domains}),
        DESTINATIONS_SETTING: destinations,
    }
    if resolver is not None:
        settings[RESOLVER_SETTING] = resolver
    return settings
