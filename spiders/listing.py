"""Section listing pages: article links by pattern, next pages by pagination links."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scrapy.http import Response, TextResponse
from scrapy.link import Link
from scrapy.linkextractors import LinkExtractor

from newsarchive.records import Discovery
from newsarchive.spiders.base import ArticleSpider
from newsarchive.spiders.outlets import OutletKind


class ListingSpider(ArticleSpider):
    """Follows pagination within the budget and fetches links matching ``article_pattern``.

    Scrapy's link extractor resolves relative links and ``<base href>``;
    off-site links are never requested.
    """

    name = "listing"
    kind = OutletKind.LISTING

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Domains are checked by the base class (host-based, port-agnostic).
        self._articles = LinkExtractor(allow=self.outlet.article_pattern or (), unique=True)
        self._pages = LinkExtractor(allow=self.outlet.pagination_pattern, unique=True)

    def parse_start(self, response: Response) -> Iterable[Any]:
        if not self.document_answered(response):
            return
        if not isinstance(response, TextResponse):
            self.unreadable(response, "an HTML listing page")
            return
        self.document_read()
        yield from self.article_requests(
            (link.url, Discovery(via="listing", source_url=response.url, title=_title(link)))
            for link in self._articles.extract_links(response)
        )
        for link in self._pages.extract_links(response):
            if self.outlet.matches_article(link.url):
                continue
            request = self.page_request(link.url, self.parse_start)
            if request is not None:
                yield request


def _title(link: Link) -> str | None:
    """The link's text, which a listing shows as the article's title."""
    return link.text.strip() or None
