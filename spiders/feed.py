"""RSS and Atom feeds: article links with the feed's dates and titles as evidence.

Every version in use is read: RSS 0.90 and 1.0 (RDF, items in their own
namespace beside the channel), RSS 0.91 to 2.0, Atom 0.3 and 1.0, gzipped
or not whatever the headers say.  An Atom entry's ``source`` describes the
feed the entry was copied from, so its links are never the article's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from lxml import etree
from scrapy.http import Response

from newsarchive.records import Discovery
from newsarchive.spiders.base import ArticleSpider, joined
from newsarchive.spiders.dates import parse_iso, parse_rfc822
from newsarchive.spiders.documents import unzipped
from newsarchive.spiders.outlets import OutletKind
from newsarchive.spiders.xmldoc import parse_xml, text_of

ATOM = "{http://www.w3.org/2005/Atom}"
ATOM_03 = "{http://purl.org/atom/ns#}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
RSS_10 = "{http://purl.org/rss/1.0/}"
RSS_090 = "{http://my.netscape.com/rdf/simple/0.9/}"
DC = "{http://purl.org/dc/elements/1.1/}"
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

Entries = list[tuple[str, Discovery]]
"""Article links as a document lists them (maybe relative), each with its evidence."""


def _rss_items(root: etree._Element, source: str, ns: str = "") -> Iterator[tuple[str, Discovery]]:
    """RSS 0.9x and 2.0 items (``ns`` empty), or RSS 1.0 and 0.90 items in their namespace.

    RSS 1.0 items are siblings of the channel, not its children; one without
    a ``link`` is named by its ``rdf:about``.
    """
    for item in root.iter(f"{ns}item"):
        link = text_of(item.find(f"{ns}link")) or item.get(f"{RDF}about")
        guid = item.find("guid")
        if not link and guid is not None and guid.get("isPermaLink", "true") == "true":
            link = text_of(guid)
        if link:
            published = parse_rfc822(text_of(item.find("pubDate")))
            yield (
                link,
                Discovery(
                    via="feed",
                    source_url=source,
                    published=published or parse_iso(text_of(item.find(f"{DC}date"))),
                    title=text_of(item.find(f"{ns}title")),
                ),
            )


def _atom_link(entry: etree._Element, ns: str) -> str | None:
    """The entry's own alternate link; an ``atom:source``'s links name the feed it came from,
    so only the entry's direct children are looked at."""
    for link in entry.findall(f"{ns}link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link.get("href")
    return None


def _atom_entries(root: etree._Element, source: str, ns: str) -> Iterator[tuple[str, Discovery]]:
    """Atom 1.0 entries, or Atom 0.3's, whose dates are ``issued`` and ``modified``."""
    published, modified = ("published", "updated") if ns == ATOM else ("issued", "modified")
    for entry in root.iter(f"{ns}entry"):
        link = _atom_link(entry, ns)
        if link:
            yield (
                link,
                Discovery(
                    via="feed",
                    source_url=source,
                    published=parse_iso(text_of(entry.find(f"{ns}{published}"))),
                    modified=parse_iso(text_of(entry.find(f"{ns}{modified}"))),
                    title=text_of(entry.find(f"{ns}title")),
                ),
            )


def feed_entries(root: etree._Element, source: str) -> Entries | None:
    """The entries of an RSS (0.90 to 2.0) or Atom (0.3, 1.0) root; None when it is neither."""
    if root.tag in (f"{ATOM}feed", f"{ATOM_03}feed"):
        return list(_atom_entries(root, source, root.tag.removesuffix("feed")))
    if root.tag == "rss":
        return list(_rss_items(root, source))
    if root.tag in (f"{RDF}RDF", "rdf", "RDF"):
        return [entry for ns in (RSS_10, RSS_090, "") for entry in _rss_items(root, source, ns)]
    return None


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


def read_feed(body: bytes, source: str) -> tuple[Entries, int | None] | None:
    """Article links of an RSS or Atom document and its polling hint; None when it is
    neither."""
    root = parse_xml(body)
    entries = feed_entries(root, source) if root is not None else None
    if root is None or entries is None:
        return None
    return entries, polling_hint(root)


def parse_feed(body: bytes, source: str) -> Entries | None:
    """Article links of an RSS or Atom document; None when it is neither."""
    found = read_feed(body, source)
    return found[0] if found is not None else None


class FeedSpider(ArticleSpider):
    """Reads each start URL as a feed and fetches the articles it lists."""

    name = "feed"
    kind = OutletKind.FEED

    def parse_start(self, response: Response) -> Iterable[Any]:
        if not self.document_answered(response):
            return
        body = unzipped(response, self.settings.getint("DOWNLOAD_MAXSIZE"))
        found = read_feed(body, response.url) if body is not None else None
        if found is None:
            self.unreadable(response, "an RSS or Atom feed")
            return
        entries, hint = found
        self.document_read(response.url, len(entries))
        self.documents.hinted(response.url, hint)
        yield from self.article_requests((joined(response, link), found) for link, found in entries)
