"""What a sitemap outlet's documents list, in every form sites publish them.

sitemaps.org allows an XML ``urlset`` or ``sitemapindex``, a plain text file
of one URL a line, and an RSS or Atom feed, each maybe gzipped; robots.txt
names sitemaps in its ``Sitemap:`` lines.  Scrapy's own ``Sitemap`` parser
drops the ``news:`` elements, which are the best date evidence a news site
gives, so the XML is read here with lxml, by local names, as the sitemaps
of real sites use several namespaces (and none).  The children of an index
come newest first (by ``lastmod``, the others after them in document
order): what a run with a small budget should read first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree
from protego import Protego

from newsarchive.identity import is_http
from newsarchive.records import Discovery
from newsarchive.spiders.dates import parse_iso
from newsarchive.spiders.feed import Entries, feed_entries
from newsarchive.spiders.xmldoc import local_name, parse_xml, text_of


@dataclass(frozen=True, slots=True)
class SitemapListing:
    """A sitemap's further sitemaps (newest first) and its articles."""

    children: list[str] = field(default_factory=list)
    entries: Entries = field(default_factory=list)

    @property
    def size(self) -> int:
        """URLs of any sort it listed."""
        return len(self.children) + len(self.entries)


def _child(element: etree._Element, name: str) -> etree._Element | None:
    """The first direct child with this local name, whatever its namespace."""
    return next((child for child in element if local_name(child.tag) == name), None)


def _text(element: etree._Element | None, name: str) -> str | None:
    return text_of(_child(element, name)) if element is not None else None


def _url_entries(root: etree._Element, source: str) -> Iterator[tuple[str, Discovery]]:
    for url in root.iter():
        loc = _text(url, "loc") if local_name(url.tag) == "url" else None
        if not loc:
            continue
        news = _child(url, "news")
        yield (
            loc,
            Discovery(
                via="news-sitemap" if news is not None else "sitemap",
                source_url=source,
                published=parse_iso(_text(news, "publication_date")),
                modified=parse_iso(_text(url, "lastmod")),
                title=_text(news, "title"),
            ),
        )


def _newest_first(root: etree._Element) -> list[str]:
    """An index's sitemaps: those with a ``lastmod`` newest first, then the rest in order."""
    found: list[tuple[datetime | None, str]] = [
        (parse_iso(_text(sitemap, "lastmod")), loc)
        for sitemap in root.iter()
        if local_name(sitemap.tag) == "sitemap" and (loc := _text(sitemap, "loc"))
    ]
    dated = [(when, loc) for when, loc in found if when is not None]
    dated.sort(key=lambda child: child[0], reverse=True)
    return [loc for _, loc in dated] + [loc for when, loc in found if when is None]


def read_xml(root: etree._Element, source: str) -> SitemapListing | None:
    """A ``urlset``, a ``sitemapindex`` or a feed; None for any other XML."""
    kind = local_name(root.tag)
    if kind == "sitemapindex":
        return SitemapListing(children=_newest_first(root))
    if kind == "urlset":
        return SitemapListing(entries=list(_url_entries(root, source)))
    entries = feed_entries(root, source)
    return SitemapListing(entries=entries) if entries is not None else None


def read_text(body: bytes, source: str) -> SitemapListing | None:
    """A plain text sitemap: one URL a line (others are ignored); None when no line is one,
    or when the bytes are markup (an HTML page answering for a sitemap)."""
    if body.lstrip()[:1] == b"<":
        return None
    lines = (line.strip() for line in body.decode("utf-8", "replace").splitlines())
    links = [line for line in lines if is_http(line) and not any(c.isspace() for c in line)]
    if not links:
        return None
    return SitemapListing(entries=[(link, Discovery("sitemap", source)) for link in links])


def read_robots(body: bytes) -> SitemapListing:
    """The sitemaps robots.txt names, by Protego (Scrapy's robots.txt parser), which also
    reads the ``Site-map:`` misspelling; relative ones are left for the caller to join."""
    return SitemapListing(children=list(Protego.parse(body.decode("utf-8", "replace")).sitemaps))


def read_sitemap(body: bytes, source: str) -> SitemapListing | None:
    """What an XML or plain text sitemap (or a feed used as one) lists; None if it is none."""
    root = parse_xml(body)
    if root is not None:
        listing = read_xml(root, source)
        if listing is not None:
            return listing
    return read_text(body, source)


def parse_sitemap(body: bytes, source: str) -> tuple[list[str], Entries] | None:
    """(child sitemaps of an index, newest first; article entries); None if it is no sitemap."""
    listing = read_sitemap(body, source)
    return (listing.children, listing.entries) if listing is not None else None
