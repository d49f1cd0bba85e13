"""The sitemap spider: from a sitemap, robots.txt or the site root down to the articles.

A start URL may be any sitemap (:mod:`newsarchive.spiders.sitemapdoc` reads
the forms), the site's robots.txt (its ``Sitemap:`` lines are followed), or
the site root: then robots.txt's sitemaps, and when it names none, the
well-known addresses sites publish them at without saying so.  A guessed
address that is not there is no failure of the outlet's; only when none of
them is does the root fail, once, with the reason.

Child sitemaps (an index's, robots.txt's) are read newest first and may take
at most a share of the request budget, so a large index never spends a
run's whole ``max_pages`` on sitemaps and leaves nothing for the articles.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from newsarchive.records import DocumentFailure
from newsarchive.spiders.base import ArticleSpider, joined
from newsarchive.spiders.documents import document_url, unzipped
from newsarchive.spiders.outlets import OutletKind
from newsarchive.spiders.sitemapdoc import SitemapListing, read_robots, read_sitemap
from newsarchive.spiders.stats import PAGES_OVER_BUDGET

ROBOTS = "/robots.txt"
WELL_KNOWN = (
    "/sitemap.xml",
    "/sitemap_index.xml",
    "/sitemap-index.xml",
    "/news-sitemap.xml",
    "/sitemap-news.xml",
    "/sitemap_news.xml",
    "/sitemap.xml.gz",
)
"""Where sites publish sitemaps without naming them in robots.txt, asked for at a site root."""
CHILD_SHARE = 5
"""Child sitemaps may take a fifth of ``max_pages`` (at least one); the rest is for articles."""


def is_robots(url: str) -> bool:
    return urlsplit(url).path == ROBOTS


def is_site_root(url: str) -> bool:
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


class NewsSitemapSpider(ArticleSpider):
    """Walks robots.txt and sitemap indexes down to urlsets and fetches the listed articles.

    Named apart from Scrapy's ``SitemapSpider``, whose parser drops the ``news:``
    elements this one keeps.
    """

    name = "sitemap"
    kind = OutletKind.SITEMAP

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._children_left = max(1, self.outlet.max_pages // CHILD_SHARE)
        self._guesses: dict[str, int] = {}  # site root -> guessed addresses still unanswered
        self._found: set[str] = set()  # site roots where a guess was a sitemap

    def start_request(self, url: str) -> scrapy.Request | None:
        if is_site_root(url):
            robots = urljoin(url, ROBOTS)
            return self.page_request(
                robots, self._root_robots, conditional=False, errback=self._robots_failed, root=url
            )
        return self.page_request(url, self.parse_start, conditional=not is_robots(url))

    def parse_start(self, response: Response) -> Iterable[Any]:
        # robots.txt seldom changes while the sitemaps it names do: it is read every time
        if not self.document_answered(response, compare=not is_robots(document_url(response))):
            return
        listing = self._read(response)
        if listing is None:
            self.unreadable(response, "a sitemap, a feed or robots.txt")
            return
        yield from self._follow(response, listing)

    def _read(self, response: Response) -> SitemapListing | None:
        body = unzipped(response, self.settings.getint("DOWNLOAD_MAXSIZE"))
        if body is None:
            return None
        return read_robots(body) if is_robots(response.url) else read_sitemap(body, response.url)

    def _follow(self, response: Response, listing: SitemapListing) -> Iterator[scrapy.Request]:
        self.document_read(response.url, listing.size)
        for rank, child in enumerate(listing.children):
            yield from self._child(joined(response, child), len(listing.children) - rank)
        yield from self.article_requests(
            (joined(response, link), found) for link, found in listing.entries
        )

    def _child(self, url: str, priority: int) -> Iterator[scrapy.Request]:
        """A child sitemap, within its share of the budget; the newest is asked for first."""
        if self._children_left <= 0:
            self._count(PAGES_OVER_BUDGET)
            return
        request = self.page_request(url, self.parse_start, conditional=not is_robots(url))
        if request is not None:
            self._children_left -= 1
            yield request.replace(priority=priority)

    # -- a site root: robots.txt's sitemaps, else the well-known addresses -----------------

    def _root_robots(self, response: Response, root: str) -> Iterable[Any]:
        listing = self._read(response) if response.status == 200 else None
        if listing is None or not listing.children:
            yield from self._guess(root)
        elif self.document_answered(response, compare=False):
            yield from self._follow(response, listing)

    def _robots_failed(self, failure: Failure) -> Iterable[Any]:
        yield from self._guess(failure.request.cb_kwargs["root"])  # type: ignore[attr-defined]

    def _guess(self, root: str) -> Iterator[scrapy.Request]:
        requests = [
            request
            for path in WELL_KNOWN
            if (
                request := self.page_request(
                    urljoin(root, path), self._guessed, errback=self._guess_failed, root=root
                )
            )
        ]
        self._guesses[root] = len(requests)
        if not requests:
            self._not_found(root)
        yield from requests

    def _guessed(self, response: Response, root: str) -> Iterable[Any]:
        listing = self._read(response) if response.status == 200 else None
        if listing is not None or response.status == 304:
            self._found.add(root)
            if self.document_answered(response) and listing is not None:
                yield from self._follow(response, listing)
        self._guess_ended(root)

    def _guess_failed(self, failure: Failure) -> None:
        self._guess_ended(failure.request.cb_kwargs["root"])  # type: ignore[attr-defined]

    def _guess_ended(self, root: str) -> None:
        self._guesses[root] -= 1
        if not self._guesses[root] and root not in self._found:
            self._not_found(root)

    def _not_found(self, root: str) -> None:
        tried = ", ".join(WELL_KNOWN)
        reason = f"no sitemap: robots.txt names none, and none of {tried} is one"
        self.document_failed(root, reason, DocumentFailure.GONE)
