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
SYNDICATION = "{http://purl.org/rss/1.0/modules/syndication/}"
_PERIOD_SECONDS = {
    "hourly": 3600,
    "daily": 86400,
    "weekly": 7 * 86400,
    "monthly": 30 * 86400,
    "yearly": 365 * 86400,
}
MAX_HINT_SECONDS = 7 * 86400
"""A feed asking to be polled less than weekly is taken at a week (bounds apply after)."""


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


def _count(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() and int(text) > 0 else None


def polling_hint(root: etree._Element) -> int | None:
    """Seconds the feed says it may be cached: RSS ``ttl`` (minutes), else the syndication
    module's ``updatePeriod`` divided by ``updateFrequency``; None when it says neither."""
    ttl = _count(text_of(root.find("channel/ttl")))
    if ttl is not None:
        return min(ttl * 60, MAX_HINT_SECONDS)
    period = (text_of(next(root.iter(f"{SYNDICATION}updatePeriod"), None)) or "").strip().lower()
    if period not in _PERIOD_SECONDS:
        return None
    frequency = _count(text_of(next(root.iter(f"{SYNDICATION}updateFrequency"), None))) or 1
    return min(_PERIOD_SECONDS[period] // frequency, MAX_HINT_SECONDS)


def read_feed(body: bytes, source: str) -> tuple[list[tuple[str, Discovery]], int | None] | None:
    """Article links of an RSS 2.0 or Atom document and its polling hint; None when it is
    neither."""
    root = parse_xml(body)
    if root is None:
        return None
    if root.tag == f"{ATOM}feed":
        return list(_atom_entries(root, source)), polling_hint(root)
    if root.tag in {"rss", "rdf", "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"}:
        return list(_rss_items(root, source)), polling_hint(root)
    return None


def parse_feed(body: bytes, source: str) -> list[tuple[str, Discovery]] | None:
    """Article links of an RSS 2.0 or Atom document; None when it is neither."""
    found = read_feed(body, source)
    return found[0] if found is not None else None


class FeedSpider(ArticleSpider):
    """Reads each start URL as a feed and fetches the articles it lists."""

    name = "feed"
    kind = OutletKind.FEED

    def parse_start(self, response: Response) -> Iterable[Any]:
        if not self.document_answered(response):
            return
        found = read_feed(response.body, response.url)
        if found is None:
            self.unreadable(response, "an RSS or Atom feed")
            return
        entries, hint = found
        self.document_read()
        self.documents.hinted(response.url, hint)
        yield from self.article_requests((joined(response, link), found) for link, found in entries)
