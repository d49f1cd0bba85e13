"""Scrapy's components as a crawl loads them: Scrapy's own and ours, never those it turns off.

Scrapy imports every extension and middleware it lists before asking it
whether it is on; the remote control's module loads aiohttp's web server
(0.14 s of a crawl's start), the cookies middleware's tldextract.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from loopback import Site, html, options, outlet, rss, run
from scrapy.core.downloader.middleware import DownloaderMiddlewareManager
from scrapy.extension import ExtensionManager
from scrapy.middleware import MiddlewareManager
from scrapy.utils.test import get_crawler

from newsarchive.spiders.settings import crawler_settings

TESTS = Path(__file__).parents[1]

# A real in-process crawl of a one-page feed, in an interpreter of its own.
CRAWL = """
import sys
from loopback import Site, html, outlet, rss, run
with Site() as site:
    rss(site, ["/a.html"])
    site.page("/a.html", html("A story"))
    records, _ = run([outlet(site, "feed", "/feed.xml")], "inprocess")
print(len(records), *(name in sys.modules for name in ("aiohttp.web", "tldextract", "aiohttp")))
"""


def test_a_crawl_never_loads_the_remote_controls_web_server_nor_tldextract() -> None:
    ran = subprocess.run(
        [sys.executable, "-c", CRAWL],
        capture_output=True,
        text=True,
        check=False,
        cwd=TESTS,
        env={"PYTHONPATH": str(TESTS)},
    )
    assert ran.returncode == 0, ran.stderr
    # The page was fetched through aiohttp's client; neither its web server nor tldextract loaded.
    assert ran.stdout.split() == ["1", "False", "False", "True"]


def _loaded(manager: type[MiddlewareManager]) -> set[str]:
    """The class names of the components ``manager`` builds for a crawl's settings."""
    with Site() as site:
        settings = crawler_settings([outlet(site, "feed", "/feed.xml")], options(), reactor=False)
    return {type(m).__name__ for m in manager.from_crawler(get_crawler(None, settings)).middlewares}


def test_scrapys_own_extensions_still_run_with_our_throttle() -> None:
    loaded = _loaded(ExtensionManager)
    assert {"CoreStats", "LogCount", "MemoryUsage", "Throttle"} <= loaded
    assert not loaded & {"RemoteControl", "TelnetConsole", "AutoThrottle"}


def test_scrapys_own_downloader_middlewares_run_beside_ours_but_not_cookies() -> None:
    loaded = _loaded(DownloaderMiddlewareManager)
    scrapys = {"RedirectMiddleware", "HttpCompressionMiddleware"}
    ours = {"CachedRobotsTxt", "PrivateAddressGuard", "PoliteRetryMiddleware", "ReceivedHeaders"}
    assert scrapys | ours <= loaded
    assert not loaded & {"CookiesMiddleware", "RetryMiddleware", "RobotsTxtMiddleware"}


def test_a_cookie_an_outlet_sets_is_never_sent_back() -> None:
    """An archive's fetches are anonymous: a page served to one session is not archived."""
    with Site() as site:
        rss(site, ["/a.html"], "/feed.xml", ("Set-Cookie", "session=abc; Path=/"))
        site.page("/a.html", html("A story"))
        records, _ = run([outlet(site, "feed", "/feed.xml")], "inprocess")
        assert len(records) == 1
        assert [seen.header("Cookie") for seen in site.hits("/a.html")] == [None]
