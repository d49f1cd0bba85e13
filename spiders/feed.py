"""RSS 2.0 and Atom feeds: article links with the feed's dates and titles as evidence."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from lxml import etree
from scrapy.http import Response

from newsarchive.records import Discovery
from newsarchive.spiders.base import ArticleSpider, joined
from newsarchive.spiders.dates import parse_iso, parse_rfc822
from newsarchive.spiders.outlets import OutletKind
from newsarchive.spiders.xmldoc import parse_xml, text_of

ATOM = "{http://www.w3.org/2005/Atom}"


def _rss_items(root: etree._Element, source: str) -> Iterator[tuple[str, Discovery]]:
    for item in root.iter("item"):
        link = text_of(item.find("link"))
        guid = item.find("guid")
        if not link and guid is not None and guid.get("isPermaLink", "true") == "true":
            link = text_of(guid)
        if link:
            yield (
                link,
                Discovery(
                    via="feed",
                    source_url=source,
                    published=parse_rfc822(text_of(item.find("pubDate"))),
                    title=text_of(item.find("title")),
                ),
            )


def _atom_link(entry: etree._Element) -> str | None:
    for link in entry.iter(f"{ATOM}link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link.get("href")
    return None


def _atom_entries(root: etree._Element, source: str) -> Iterator[tuple[str, Discovery]]:
    for entry in root.iter(f"{ATOM}entry"):
        link = _atom_link(entry)
        if link:
            yield (
                link,
                Discovery(
                    via="feed",
                    source_url=source,
                    published=parse_iso(text_of(entry.find(f"{ATOM}published"))),
                    modified=parse_iso(text_of(entry.find(f"{ATOM}updated"))),
                    title=text_of(entry.find(f"{ATOM}title")),
                ),
            )


def parse_feed(body: bytes, source: str) -> list[tuple[str, Discovery]] | None:
    """Article links of an RSS 2.0 or Atom document; None when it is neither."""
    root = parse_xml(body)
    if root is None:
        return None
    if root.tag == f"{ATOM}feed":
        return list(_atom_entries(root, source))
    if root.tag in {"rss", "rdf", "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"}:
        return list(_rss_items(root, source))
    return None


class FeedSpider(ArticleSpider):
    """Reads each start URL as a feed and fetches the articles it lists."""

    name = "feed"
    kind = OutletKind.FEED

    def parse_start(self, response: Response) -> Iterable[Any]:
        if not self.document_answered(response):
            return
        entries = parse_feed(response.body, response.url)
        if entries is None:
            self.unreadable(response, "an RSS or Atom feed")
            return
        self.document_read()
        yield from self.article_requests((joined(response, link), found) for link, found in entries)
