"""Sitemaps: index -> urlsets (gzip too), with news-sitemap dates and titles kept.

Scrapy's own ``Sitemap`` parser drops the ``news:`` elements, which are the
best date evidence a news site gives, so the XML is read here with lxml.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

from lxml import etree
from scrapy.http import Response
from scrapy.utils.gz import gunzip, gzip_magic_number

from newsarchive.records import Discovery
from newsarchive.spiders.base import ArticleSpider, joined
from newsarchive.spiders.dates import parse_iso
from newsarchive.spiders.outlets import OutletKind
from newsarchive.spiders.xmldoc import parse_xml, text_of

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"

logger = logging.getLogger(__name__)


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _entries(root: etree._Element, source: str) -> Iterator[tuple[str, Discovery]]:
    for url in root.iter(f"{SM}url", "url"):
        loc = text_of(url.find(f"{SM}loc")) or text_of(url.find("loc"))
        if not loc:
            continue
        news = url.find(f"{NEWS}news")
        published = (
            parse_iso(text_of(news.find(f"{NEWS}publication_date"))) if news is not None else None
        )
        yield (
            loc,
            Discovery(
                via="news-sitemap" if news is not None else "sitemap",
                source_url=source,
                published=published,
                modified=parse_iso(
                    text_of(url.find(f"{SM}lastmod")) or text_of(url.find("lastmod"))
                ),
                title=text_of(news.find(f"{NEWS}title")) if news is not None else None,
            ),
        )


def parse_sitemap(body: bytes, source: str) -> tuple[list[str], list[tuple[str, Discovery]]] | None:
    """(child sitemaps of an index, article entries of a urlset); None if it is neither."""
    root = parse_xml(body)
    if root is None or _local(root.tag) not in {"sitemapindex", "urlset"}:
        return None
    if _local(root.tag) == "sitemapindex":
        children = [
            loc
            for sitemap in root.iter(f"{SM}sitemap", "sitemap")
            if (loc := text_of(sitemap.find(f"{SM}loc")) or text_of(sitemap.find("loc")))
        ]
        return children, []
    return [], list(_entries(root, source))


class NewsSitemapSpider(ArticleSpider):
    """Walks sitemap indexes down to urlsets and fetches the listed articles.

    Named apart from Scrapy's ``SitemapSpider``, whose parser drops the ``news:``
    elements this one keeps.
    """

    name = "sitemap"
    kind = OutletKind.SITEMAP

    def parse_start(self, response: Response) -> Iterable[Any]:
        if not self.document_answered(response):
            return
        body = self._body(response)
        parsed = parse_sitemap(body, response.url) if body is not None else None
        if parsed is None:
            self.unreadable(response, "a sitemap or sitemap index")
            return
        self.document_read()
        children, entries = parsed
        for child in children:
            request = self.page_request(joined(response, child), self.parse_start)
            if request is not None:
                yield request
        yield from self.article_requests((joined(response, link), found) for link, found in entries)

    def _body(self, response: Response) -> bytes | None:
        """The XML, gunzipped within the size limit when served as a .gz file."""
        if not gzip_magic_number(response):
            return response.body
        limit = self.settings.getint("DOWNLOAD_MAXSIZE")
        try:
            return gunzip(response.body, max_size=limit)
        except (OSError, ValueError) as exc:
            logger.warning("%s: bad gzip sitemap %s: %s", self.name, response.url, exc)
            return None  # counted as an unreadable document by the caller
