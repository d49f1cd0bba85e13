"""AutoThrottle as the crawl runs it: a 304 lowers a site's delay again, as a 200 does.

Scrapy's rule lets only a 200 lower the delay, so in a recrawl, where nearly
every answer is a 304, one slow moment slowed the rest of the run.
"""

from __future__ import annotations

import pytest
from loopback import Site, options, outlet
from scrapy.core.downloader import Slot
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from newsarchive.spiders.settings import crawler_settings
from newsarchive.spiders.throttle import Throttle

URL = "https://news.example/a/1.html"


def delay_after(
    throttle_class: type[AutoThrottle], statuses: list[int], download_delay: float = 0.0
) -> float:
    """The slot's delay after one slow 200 (3.2 s) and then fast answers with ``statuses``."""
    settings = {
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 16.0,
        "AUTOTHROTTLE_MAX_DELAY": 30.0,
        "DOWNLOAD_DELAY": download_delay,
    }
    throttle = throttle_class(get_crawler(settings_dict=settings))
    throttle.mindelay, throttle.maxdelay = throttle._min_delay(), throttle._max_delay()
    slot = Slot(concurrency=16, delay=download_delay)
    throttle._adjust_delay(slot, 3.2, Response(URL, status=200))
    for status in statuses:
        throttle._adjust_delay(slot, 0.002, Response(URL, status=status))
    return float(slot.delay)


def test_fast_304s_bring_the_delay_back_down_where_scrapys_rule_kept_it_up() -> None:
    assert delay_after(AutoThrottle, [304] * 40) == pytest.approx(0.2)  # 3.2 s / 16, for good
    assert delay_after(Throttle, [304] * 40) < 0.001


def test_other_statuses_keep_scrapys_rule_and_the_outlets_delay_stays_the_floor() -> None:
    assert delay_after(Throttle, [503] * 40) == pytest.approx(0.2)  # a failing site: no faster
    assert delay_after(Throttle, [200] * 40) < 0.001
    assert delay_after(Throttle, [304] * 40, download_delay=1.0) == pytest.approx(1.0)


def test_the_crawl_runs_this_throttle_in_place_of_scrapys() -> None:
    with Site() as site:
        settings = crawler_settings([outlet(site, "feed", "/feed.xml")], options(), reactor=False)
    extensions = settings["EXTENSIONS"]
    assert extensions["scrapy.extensions.throttle.AutoThrottle"] is None
    assert "newsarchive.spiders.throttle.Throttle" in extensions
    assert settings["AUTOTHROTTLE_ENABLED"] is True
