"""Which spider discovers the articles of each kind of outlet, checked when imported.

Each spider declares the :class:`~newsarchive.spiders.outlets.OutletKind` it
serves; the registry is built here from the spider classes themselves and
refuses to load unless every kind has exactly one spider.  A kind added
without its spider so stops the crawl command as it starts, instead of
failing the outlets of that kind in the middle of a run.  It sits apart from
``outlets.py``, where the kinds are, because the spiders import that module.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from newsarchive.spiders.base import ArticleSpider
from newsarchive.spiders.feed import FeedSpider
from newsarchive.spiders.listing import ListingSpider
from newsarchive.spiders.outlets import OutletKind
from newsarchive.spiders.sitemap import NewsSitemapSpider


def by_kind(*spiders: type[ArticleSpider]) -> Mapping[OutletKind, type[ArticleSpider]]:
    """``spiders`` by the kind each declares; ValueError unless every kind has exactly one."""
    found: dict[OutletKind, type[ArticleSpider]] = {}
    for spider in spiders:
        if spider.kind in found:
            raise ValueError(
                f"outlet kind {spider.kind.value!r} has two spiders: "
                f"{found[spider.kind].__name__} and {spider.__name__}"
            )
        found[spider.kind] = spider
    missing = [kind.value for kind in OutletKind if kind not in found]
    if missing:
        raise ValueError(f"no spider for outlet kind {', '.join(map(repr, missing))}")
    return MappingProxyType(found)


SPIDERS = by_kind(FeedSpider, NewsSitemapSpider, ListingSpider)
"""The spider class that crawls an outlet of each kind."""
