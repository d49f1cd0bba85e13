"""The discovery documents of the replay site: RSS, Atom, sitemaps, listings, robots.txt.

Each function takes the entries an outlet publishes (URL, title, date) and
writes the document a real site would serve, in the formats the spiders
read.  Nothing here knows about a particular outlet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from html import escape as html_escape
from xml.sax.saxutils import escape, quoteattr


@dataclass(frozen=True)
class Entry:
    """One link a discovery document publishes."""

    url: str
    title: str
    published: datetime | None = None


def rss(title: str, link: str, entries: list[Entry]) -> bytes:
    """An RSS 2.0 channel; ``pubDate`` in RFC 822 like real feeds."""
    items = "".join(
        "<item>"
        f"<title>{escape(e.title)}</title><link>{escape(e.url)}</link>"
        f'<guid isPermaLink="false">{escape(e.url)}</guid>'
        + (f"<pubDate>{format_datetime(e.published)}</pubDate>" if e.published else "")
        + "</item>\n"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<description>{escape(title)}</description>\n{items}</channel></rss>\n"
    ).encode()


def atom(title: str, link: str, entries: list[Entry]) -> bytes:
    """An Atom feed; ``published`` and ``updated`` in RFC 3339."""
    items = "".join(
        "<entry>"
        f"<title>{escape(e.title)}</title><id>{escape(e.url)}</id>"
        f'<link rel="alternate" type="text/html" href={quoteattr(e.url)}/>'
        + (
            f"<published>{e.published.isoformat()}</published>"
            f"<updated>{e.published.isoformat()}</updated>"
            if e.published
            else ""
        )
        + "</entry>\n"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>{escape(link)}</id>"
        f'<link rel="alternate" href={quoteattr(link)}/>\n{items}</feed>\n'
    ).encode()


def sitemap_index(sitemaps: list[str]) -> bytes:
    body = "".join(f"<sitemap><loc>{escape(url)}</loc></sitemap>\n" for url in sitemaps)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{body}</sitemapindex>\n"
    ).encode()


def urlset(entries: list[Entry]) -> bytes:
    """A plain urlset; the entry date becomes ``lastmod``."""
    body = "".join(
        f"<url><loc>{escape(e.url)}</loc>"
        + (f"<lastmod>{e.published.isoformat()}</lastmod>" if e.published else "")
        + "</url>\n"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{body}</urlset>\n"
    ).encode()


def news_sitemap(publication: str, entries: list[Entry]) -> bytes:
    """A Google News sitemap with ``news:publication_date`` and ``news:title``."""
    body = "".join(
        f"<url><loc>{escape(e.url)}</loc><news:news><news:publication>"
        f"<news:name>{escape(publication)}</news:name><news:language>en</news:language>"
        "</news:publication>"
        + (
            f"<news:publication_date>{e.published.isoformat()}</news:publication_date>"
            if e.published
            else ""
        )
        + f"<news:title>{escape(e.title)}</news:title></news:news></url>\n"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        f"{body}</urlset>\n"
    ).encode()


def listing_page(title: str, entries: list[Entry], next_page: str | None) -> bytes:
    """A section page: headline links with their listing date, then a next-page link."""
    items = "".join(
        f'<li class="article-item"><a href={quoteattr(e.url)}>{html_escape(e.title)}</a>'
        + (
            f' <span class="article-item-date">{e.published.strftime("%B %d, %Y")}</span>'
            if e.published
            else ""
        )
        + "</li>\n"
        for e in entries
    )
    pager = f'<a class="next" rel="next" href={quoteattr(next_page)}>Next</a>' if next_page else ""
    return (
        f"<!doctype html><html><head><title>{html_escape(title)}</title></head><body>"
        f"<h1>{html_escape(title)}</h1><ul>\n{items}</ul>{pager}</body></html>\n"
    ).encode()


def robots(disallowed: list[str]) -> bytes:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in disallowed), ""]
    return "\n".join(lines).encode()
