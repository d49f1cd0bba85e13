"""Scrapy settings of a crawl: politeness, limits and safety in one place.

Every outlet of a crawl runs in one Scrapy crawler; its delay and
concurrency become the download slots of its hosts (``DOWNLOAD_SLOTS``),
so they apply to its sites alone, and outlets sharing a host share the
slot at the most polite of their settings.  The options common to all come
from the caller's :class:`~newsarchive.config.Settings` through
:class:`CrawlOptions`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from scrapy.settings import default_settings

from newsarchive.spiders import deadline, wire
from newsarchive.spiders.connections import connection_settings
from newsarchive.spiders.guard import Resolver, guard_settings, is_address
from newsarchive.spiders.options import CrawlOptions
from newsarchive.spiders.outlets import Outlet

RETRY_TIMES = 2
"""Retries after the first attempt for 5xx, 408, 429 and timeouts (3 attempts in all)."""

REDIRECT_MAX_TIMES = 5
MAX_DELAY = 30.0


def _unloaded(base: dict[str, int], path: str) -> dict[str, int]:
    """Scrapy's own list less a component that every crawl turns off by its setting.

    Scrapy imports each component it lists before asking it whether it is on,
    and naming one ``None`` in the overriding setting imports it too; only
    leaving it out of the base list spares the import.
    """
    return {listed: order for listed, order in base.items() if listed != path}


# Both off in every crawl.  The remote control (``REMOTE_CONTROL_ENABLED``) loads aiohttp's
# web server, 0.14 s of every crawl's start; the cookies middleware (``COOKIES_ENABLED``)
# tldextract with requests and chardet, about 0.05 s.
_EXTENSIONS_BASE = _unloaded(
    default_settings.EXTENSIONS_BASE, "scrapy.extensions.remote_control.RemoteControl"
)
_DOWNLOADER_MIDDLEWARES_BASE = _unloaded(
    default_settings.DOWNLOADER_MIDDLEWARES_BASE,
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware",
)

ROBOTS_ORDER = default_settings.DOWNLOADER_MIDDLEWARES_BASE[
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"
]
"""Ours takes the place of Scrapy's robots.txt middleware (``spiders/robots.py``)."""

REDIRECT_TARGETS_ORDER = (
    default_settings.DOWNLOADER_MIDDLEWARES_BASE[
        "scrapy.downloadermiddlewares.redirect.RedirectMiddleware"
    ]
    + 10
)
"""Responses reach ``RedirectTargets`` just before Scrapy's redirect middleware reads them."""

SCRAPER_BYTES = 1_000_000
"""Bytes of responses waiting for their callback's output to be taken, before downloads pause."""


CONCURRENT_REQUESTS = 64
"""Requests in flight across all the outlets of a crawl, at most (each host within its slot's
limit): what a fleet of slow sites needs, and what bounds the pages a full archive holds back
(``docs/decisions/0002-bounded-hand-over-from-crawl-to-catalog.md``)."""
UNLISTED_HOST = (
    Outlet.model_fields["download_delay"].default,
    Outlet.model_fields["concurrency"].default,
)
"""Delay and concurrency of a host no outlet names (a subdomain, a requisites CDN)."""


def download_slots(outlets: Iterable[Outlet]) -> dict[str, dict[str, Any]]:
    """Host -> its slot's delay and concurrency: the most polite of the outlets naming it."""
    slots: dict[str, dict[str, Any]] = {}
    for outlet in outlets:
        hosts = {urlsplit(url).hostname or "" for url in outlet.start_urls}
        for host in (hosts | set(outlet.allowed_domains)) - {""}:
            slot = slots.setdefault(
                host, {"delay": outlet.download_delay, "concurrency": outlet.concurrency}
            )
            slot["delay"] = max(slot["delay"], outlet.download_delay)
            slot["concurrency"] = min(slot["concurrency"], outlet.concurrency)
    return slots


def outlet_guard_settings(
    outlets: Sequence[Outlet], options: CrawlOptions, resolver: Resolver | None = None
) -> dict[str, Any]:
    """The guard's exemptions: what the outlets file and the run name on purpose.

    An IP address written in ``allowed_domains`` is exempt, that address
    alone; a name is not (its DNS answer may change hands), unless its
    outlet opted in with ``private_addresses``; a rerouted host is judged by
    its stand-in (:func:`~newsarchive.spiders.guard.guard_settings`).
    """
    return guard_settings(
        hosts=[d for o in outlets for d in o.allowed_domains if is_address(d)],
        private_domains=[
            host
            for o in outlets
            if o.private_addresses
            for host in (*o.allowed_domains, *o.requisite_hosts)
        ],
        reroute=options.reroute,
        resolver=resolver,
    )


def crawler_settings(
    outlets: Sequence[Outlet],
    options: CrawlOptions,
    *,
    reactor: bool,
    resolver: Resolver | None = None,
) -> dict[str, Any]:
    """The Scrapy settings of the crawler of ``outlets``.

    ``reactor=False`` selects Scrapy's asyncio mode (aiohttp downloads, no
    Twisted reactor) so that many crawls can run inside one long-lived process.
    """
    delay, concurrency = UNLISTED_HOST
    return {
        "TWISTED_REACTOR_ENABLED": reactor,
        "USER_AGENT": options.user_agent,
        "ROBOTSTXT_OBEY": True,
        "DOWNLOAD_DELAY": delay,
        "DOWNLOAD_DELAY_JITTER": 0.5,  # waits 0.5x to 1.5x the delay
        "DOWNLOAD_SLOTS": download_slots(outlets),
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "CONCURRENT_REQUESTS": min(
            CONCURRENT_REQUESTS, max(8, sum(outlet.concurrency for outlet in outlets))
        ),
        # Past the deadline the crawl sends nothing more and ends with what it has; each outlet
        # is told what it left (newsarchive.spiders.deadline).
        "CLOSESPIDER_TIMEOUT": options.deadline,
        "SCHEDULER": "newsarchive.spiders.deadline.DeadlineScheduler",
        # Scrapy's queue for crawls of many sites: the next request comes from a site
        # whose slot has room, not from the one whose requests happen to be first.
        "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
        # AutoThrottle only ever slows down below DOWNLOAD_DELAY's pace; ours lets 304s count.
        "AUTOTHROTTLE_ENABLED": True,
        "EXTENSIONS_BASE": _EXTENSIONS_BASE,
        "EXTENSIONS": {
            "scrapy.extensions.throttle.AutoThrottle": None,
            "newsarchive.spiders.throttle.Throttle": 0,
            "scrapy.extensions.closespider.CloseSpider": None,
            "newsarchive.spiders.deadline.Deadline": 0,
        },
        "AUTOTHROTTLE_START_DELAY": delay,
        "AUTOTHROTTLE_MAX_DELAY": MAX_DELAY,  # a slot's own floor may be higher: see Throttle
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(concurrency),
        "RETRY_ENABLED": True,
        "RETRY_TIMES": RETRY_TIMES,
        "REDIRECT_MAX_TIMES": REDIRECT_MAX_TIMES,
        "DOWNLOAD_MAXSIZE": options.max_response_size,
        "DOWNLOAD_WARNSIZE": options.max_response_size // 2,
        "DOWNLOAD_TIMEOUT": options.download_timeout,
        # 304, 404, 410 and 5xx (after retries) must reach the spider to be recorded.
        "HTTPERROR_ALLOW_ALL": True,
        "HTTPCACHE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        # Scrapy 2.19 otherwise opens an HTTP port that executes code sent to it.
        "REMOTE_CONTROL_ENABLED": False,
        "LOGSTATS_INTERVAL": 0,
        # A lint of spider code, run on every response: Scrapy caches its verdict by weak
        # reference to the callback, a bound method that dies at once, so it re-reads and
        # re-parses the callback's source each time (a fifth of a recrawl's event-loop CPU).
        # A warning for a spider author, which our callbacks (no generator returns a value) and
        # their tests stand in for.
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        # Scrapy (asyncio mode) starts this many tasks for the output of every response, which
        # is one Fetch, a page's requisites or a sitemap's links, each handed on without waiting:
        # 100 by default made task creation a tenth of a recrawl's event-loop CPU.
        "CONCURRENT_ITEMS": 8,
        # Responses whose output waits for the archive (which takes IN_FLIGHT fetches at a
        # time) stay in Scrapy's scraper until it has room.  Scrapy stops downloading once
        # they add up to this many bytes, counting 1 KB at least for each: by default 5 MB,
        # which let a recrawl keep up to 5,000 answered 304s waiting, each with its request,
        # response and tasks (docs/decisions/0002-bounded-hand-over-from-crawl-to-catalog.md).
        "SCRAPER_SLOT_MAX_ACTIVE_SIZE": SCRAPER_BYTES,
        "DOWNLOADER_MIDDLEWARES_BASE": _DOWNLOADER_MIDDLEWARES_BASE,
        # A page that refreshes to another is archived as it was served; the article spider
        # asks for the other page itself (``spiders/base.py``). Scrapy's middleware would
        # fetch the other page in its place and drop what the server sent.
        "METAREFRESH_ENABLED": False,
        "DOWNLOADER_MIDDLEWARES": {
            "newsarchive.spiders.fleet.OutletDomains": 55,
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "newsarchive.spiders.robots.CachedRobotsTxt": ROBOTS_ORDER,
            "newsarchive.spiders.guard.PrivateAddressGuard": 60,
            "newsarchive.spiders.guard.RedirectTargets": REDIRECT_TARGETS_ORDER,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "newsarchive.spiders.retry.PoliteRetryMiddleware": 550,
            "newsarchive.spiders.wire.ReceivedHeaders": wire.PRIORITY,
            "newsarchive.spiders.deadline.DeadlineMiddleware": deadline.PRIORITY,
        },
        **outlet_guard_settings(outlets, options, resolver),
        **connection_settings(options.reroute, reactor=reactor),
    }
