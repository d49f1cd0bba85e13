"""Section listing pages: article links by pattern, next pages by pagination links.

Besides the links of the page, a listing's articles may be named only in
its JSON-LD (an ``ItemList`` whose ``itemListElement`` are ``ListItem``s
with a ``url`` or an ``item``), as sites that render the list in script do;
and its next page may be behind a "load more" link that is a plain link
matching no pagination pattern, or a ``rel=next``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from scrapy.http import Response, TextResponse
from scrapy.link import Link
from scrapy.linkextractors import LinkExtractor

from newsarchive.records import Discovery
from newsarchive.spiders.base import ArticleSpider, joined
from newsarchive.spiders.outlets import OutletKind

MORE = (
    "//*[self::a or self::link][re:test(@rel, '(^|\\s)next(\\s|$)', 'i')]"
    " | //a[re:test(normalize-space(.), '^(load|show|view|see) more"
    "|^more (stories|articles|news|posts)|^older (posts|stories)', 'i')]"
    " | //a[re:test(@class, 'load-?more', 'i')]"
)
"""Links to a listing's next page besides the pagination pattern: ``rel=next`` and the
"load more" links whose text or class says so."""


def item_list_urls(data: Any) -> Iterator[str]:
    """The URLs of every ``itemListElement`` in a JSON-LD value, at any depth (``@graph``)."""
    if isinstance(data, list):
        for value in data:
            yield from item_list_urls(value)
    elif isinstance(data, dict):
        for key, value in data.items():
            if key == "itemListElement":
                yield from _list_item_urls(value)
            else:
                yield from item_list_urls(value)


def _list_item_urls(elements: Any) -> Iterator[str]:
    for element in elements if isinstance(elements, list) else [elements]:
        if isinstance(element, str):
            yield element
        elif isinstance(element, dict):
            found = element.get("url") or element.get("item")
            if isinstance(found, dict):  # an item given as the thing itself
                found = found.get("url") or found.get("@id")
            if isinstance(found, str):
                yield found


def json_ld_urls(response: TextResponse) -> list[str]:
    """The article URLs the page's JSON-LD item lists name; a block that is no JSON is skipped."""
    urls: list[str] = []
    for block in response.xpath("//script[@type='application/ld+json']/text()").getall():
        try:
            data = json.loads(block)
        except ValueError:
            continue
        urls += [joined(response, url.strip()) for url in item_list_urls(data) if url.strip()]
    return urls


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
        # Every link, filtered by the outlet's patterns here: the extractor's own ``allow``
        # would match them with Python's backtracking ``re`` (see spiders/patterns.py).
        self._every_link = LinkExtractor(unique=True)
        self._more = LinkExtractor(restrict_xpaths=MORE, tags=("a", "link"), unique=True)

    def parse_start(self, response: Response) -> Iterable[Any]:
        if not self.document_answered(response):
            return
        if not isinstance(response, TextResponse):
            self.unreadable(response, "an HTML listing page")
            return
        links = self._every_link.extract_links(response)
        listed = [
            (link.url, _title(link)) for link in links if self.outlet.matches_article(link.url)
        ]
        listed += [(url, None) for url in json_ld_urls(response)]
        pages = [link for link in links if self.outlet.matches_pagination(link.url)]
        pages += self._more.extract_links(response)
        self.document_read(response.url, len(listed) + len(pages))
        yield from self.article_requests(
            (url, Discovery(via="listing", source_url=response.url, title=title))
            for url, title in listed
        )
        for link in pages:
            if self.outlet.matches_article(link.url):
                continue
            request = self.page_request(link.url, self.parse_start)
            if request is not None:
                yield request


def _title(link: Link) -> str | None:
    """The link's text, which a listing shows as the article's title."""
    return link.text.strip() or None
