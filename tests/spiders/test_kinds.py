"""Every kind of outlet has the one spider that declares it, or the crawl room does not load."""

from __future__ import annotations

import pytest

from newsarchive.spiders.feed import FeedSpider
from newsarchive.spiders.kinds import SPIDERS, by_kind
from newsarchive.spiders.listing import ListingSpider
from newsarchive.spiders.outlets import OutletKind
from newsarchive.spiders.sitemap import NewsSitemapSpider


def test_every_kind_has_its_spider_and_the_spider_declares_it() -> None:
    assert set(SPIDERS) == set(OutletKind)
    assert all(spider.kind is kind for kind, spider in SPIDERS.items())


def test_a_kind_without_a_spider_is_refused() -> None:
    with pytest.raises(ValueError, match="no spider for outlet kind 'sitemap'"):
        by_kind(FeedSpider, ListingSpider)


def test_two_spiders_for_one_kind_are_refused() -> None:
    with pytest.raises(ValueError, match="'feed' has two spiders: FeedSpider and Second"):
        by_kind(FeedSpider, NewsSitemapSpider, ListingSpider, type("Second", (FeedSpider,), {}))
