"""Finding an outlet's feeds and sitemaps from one page of its site (``outlets discover``).

An operator knows a news site by its homepage; a crawl needs its feed or
sitemap.  This asks the site what a careful reader would look at: the page
itself (a feed already? which feeds does its ``<link rel="alternate">``
name?), the ``Sitemap:`` lines of its robots.txt, and the places feeds and
sitemaps usually live; a sitemap index's likeliest children are read too.
Each document is read with the spiders' own parsers
(:func:`~newsarchive.spiders.feed.parse_feed`,
:func:`~newsarchive.spiders.sitemapdoc.parse_sitemap`), so what discovery calls
a feed is what the feed spider will read.

The requests go through the crawl's own Scrapy settings: robots.txt obeyed,
the configured User-Agent, its timeouts, size limit and retries, and the
private-address guard.  Each site is asked one request at a time, ``delay``
seconds apart.  The hosts named on the command line are exempt from the
guard, as an outlet's own domains are: the operator pointed it there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urldefrag, urlsplit

import scrapy
from scrapy.crawler import AsyncCrawlerRunner, Crawler
from scrapy.http import Response, TextResponse
from scrapy.settings import Settings
from twisted.python.failure import Failure

from newsarchive.errors import NewsarchiveError
from newsarchive.records import Discovery
from newsarchive.spiders.base import joined
from newsarchive.spiders.documents import unzipped
from newsarchive.spiders.feed import parse_feed
from newsarchive.spiders.guard import Resolver, guard_settings
from newsarchive.spiders.options import CrawlOptions
from newsarchive.spiders.outcomes import describe_failure
from newsarchive.spiders.settings import crawler_settings
from newsarchive.spiders.sitemapdoc import parse_sitemap, read_robots

USUAL_LOCATIONS = (
    "/news-sitemap.xml",
    "/sitemap-news.xml",
    "/sitemap_news.xml",
    "/sitemap.xml",
    "/sitemap_index.xml",
    "/feed",
    "/rss",
    "/rss.xml",
    "/feed.xml",
    "/atom.xml",
    "/index.xml",
)
"""Where news sites' feeds and sitemaps are, when nothing names them: the news sitemaps of
WordPress (Yoast), the sitemap defaults of the common publishing systems, and the feeds of
WordPress, Ghost, Jekyll and Hugo."""

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})
"""The ``type`` of a ``<link rel="alternate">`` that announces an RSS or Atom feed."""

MAX_DOCUMENTS = 30
"""Documents asked for per site at most: the usual locations plus what the site names."""
MAX_CHILDREN = 3
"""Children of a sitemap index read to see what it lists (news sitemaps first)."""

GIVEN = "the URL given"
LINKED = '<link rel="alternate"> of the page'
ROBOTS = "a Sitemap: line of robots.txt"
USUAL = "a usual location"


class DocumentType(StrEnum):
    """What a candidate document turned out to be."""

    NEWS_SITEMAP = "news-sitemap"  # a urlset with Google News entries
    FEED = "feed"  # RSS or Atom
    SITEMAP_INDEX = "sitemap-index"
    URLSET = "urlset"
    NOTHING = "nothing"  # no answer, an error status, or neither a feed nor a sitemap

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    DocumentType.NEWS_SITEMAP: "news sitemap",
    DocumentType.FEED: "RSS/Atom feed",
    DocumentType.SITEMAP_INDEX: "sitemap index",
    DocumentType.URLSET: "urlset",
    DocumentType.NOTHING: "nothing",
}


@dataclass(frozen=True)
class Document:
    """One candidate document of a site: why it was asked for and what it is."""

    url: str  # as asked, before any redirect
    found_by: tuple[str, ...]
    type: DocumentType
    problem: str | None = None  # why it is nothing
    entries: tuple[tuple[str, Discovery], ...] = ()  # the article URLs it lists
    children: tuple[str, ...] = ()  # a sitemap index's sitemaps
    parent: str | None = None  # the sitemap index that listed it


@dataclass(frozen=True)
class SiteFindings:
    """What one site gave: the page asked for and every candidate document."""

    url: str  # as given
    page_url: str | None  # where the page ended up after redirects; None when it never answered
    documents: tuple[Document, ...]
    problem: str | None = None  # why the page itself could not be read


@dataclass
class _Read:
    type: DocumentType
    problem: str | None = None
    entries: tuple[tuple[str, Discovery], ...] = ()
    children: tuple[str, ...] = ()


@dataclass
class _Site:
    """One site's discovery while it runs: what was asked, why, and what came back."""

    url: str
    reasons: dict[str, list[str]] = field(default_factory=dict)
    parents: dict[str, str] = field(default_factory=dict)
    read: dict[str, _Read] = field(default_factory=dict)
    page_url: str | None = None
    problem: str | None = None

    def origin(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    def wants(self, url: str, reason: str, parent: str | None = None) -> bool:
        """Note why ``url`` is a candidate; True when it is new and within the budget."""
        if url in self.reasons:
            if reason not in self.reasons[url]:
                self.reasons[url].append(reason)
            return False
        if len(self.reasons) >= MAX_DOCUMENTS:
            return False
        self.reasons[url] = [reason]
        if parent is not None:
            self.parents[url] = parent
        return True

    def findings(self) -> SiteFindings:
        documents = tuple(
            Document(
                url=url,
                found_by=tuple(reasons),
                type=read.type,
                problem=read.problem,
                entries=read.entries,
                children=read.children,
                parent=self.parents.get(url),
            )
            for url, reasons in self.reasons.items()
            if (read := self.read.get(url)) is not None
        )
        return SiteFindings(self.url, self.page_url, documents, self.problem)


def classify(body: bytes, url: str) -> _Read:
    """What a document is, read by the feed and sitemap spiders' own parsers."""
    entries = parse_feed(body, url)
    if entries is not None:
        return _Read(DocumentType.FEED, entries=tuple(entries))
    sitemap = parse_sitemap(body, url)
    if sitemap is None:
        return _Read(DocumentType.NOTHING, "neither a feed nor a sitemap")
    children, listed = sitemap
    if children:
        return _Read(DocumentType.SITEMAP_INDEX, children=tuple(children))
    news = any(found.via == "news-sitemap" for _, found in listed)
    return _Read(DocumentType.NEWS_SITEMAP if news else DocumentType.URLSET, entries=tuple(listed))


def likeliest_children(children: Sequence[str]) -> list[str]:
    """The sitemaps of an index worth reading: news sitemaps first, then in the index's order."""
    ranked = sorted(children, key=lambda url: "news" not in url.lower())
    return ranked[:MAX_CHILDREN]


class DiscoverySpider(scrapy.Spider):
    """Asks each site for its candidate documents and keeps what each one is."""

    name = "newsarchive-discover"

    def __init__(self, urls: Sequence[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sites = {url: _Site(url) for url in urls}

    async def start(self) -> AsyncIterator[Any]:
        for site in self.sites.values():
            yield self._ask(site, site.url, self.read_page)
            robots = scrapy.Request(
                f"{site.origin()}/robots.txt",
                callback=self.read_robots,
                errback=self.robots_failed,
                meta={"site": site.url, "dont_obey_robotstxt": True},
                dont_filter=True,
            )
            yield robots
            for path in USUAL_LOCATIONS:
                request = self._candidate(site, site.origin() + path, USUAL)
                if request is not None:
                    yield request

    def _ask(self, site: _Site, url: str, callback: Any, **meta: Any) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.failed,
            meta={"site": site.url, "asked": url, **meta},
            dont_filter=True,
        )

    def _candidate(
        self, site: _Site, url: str, reason: str, parent: str | None = None
    ) -> scrapy.Request | None:
        url = urldefrag(url)[0]
        if urlsplit(url).scheme not in {"http", "https"} or not site.wants(url, reason, parent):
            return None
        return self._ask(site, url, self.read_document)

    def read_page(self, response: Response) -> Any:
        """The page given: a document itself, or the feeds its links announce."""
        site = self.sites[response.meta["site"]]
        site.page_url = response.url
        if response.status != 200:
            site.problem = f"{site.url}: answered HTTP {response.status}"
            return
        read = classify(self._unzipped(response), response.url)
        if read.type is not DocumentType.NOTHING:
            site.wants(site.url, GIVEN)
            yield from self._keep(site, site.url, read)
            return
        if not isinstance(response, TextResponse):
            return
        for link in response.css('link[rel~="alternate"]'):
            kind = (link.attrib.get("type") or "").split(";")[0].strip().lower()
            href = link.attrib.get("href")
            if kind in FEED_TYPES and href:
                request = self._candidate(site, joined(response, href), LINKED)
                if request is not None:
                    yield request

    def read_robots(self, response: Response) -> Any:
        """The sitemaps robots.txt names (``Sitemap:``, and the ``Site-map:`` misspelling)."""
        if response.status != 200:
            return
        site = self.sites[response.meta["site"]]
        for url in read_robots(response.body).children:
            request = self._candidate(site, joined(response, url), ROBOTS)
            if request is not None:
                yield request

    def robots_failed(self, failure: Failure) -> None:
        """No robots.txt to read sitemaps from: the usual locations are asked anyway."""

    def read_document(self, response: Response) -> Any:
        site = self.sites[response.meta["site"]]
        asked = response.meta["asked"]
        if response.status != 200:
            site.read[asked] = _Read(DocumentType.NOTHING, f"answered HTTP {response.status}")
            return
        yield from self._keep(site, asked, classify(self._unzipped(response), response.url))

    def _keep(self, site: _Site, asked: str, read: _Read) -> Any:
        site.read[asked] = read
        for child in likeliest_children(read.children):
            request = self._candidate(site, child, f"listed in the sitemap index {asked}", asked)
            if request is not None:
                yield request

    def _unzipped(self, response: Response) -> bytes:
        """The body, gunzipped within the size limit when it is gzip; broken gzip reads as
        neither a feed nor a sitemap."""
        return unzipped(response, self.settings.getint("DOWNLOAD_MAXSIZE")) or b""

    def failed(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        if request is None:
            return
        site = self.sites[request.meta["site"]]
        _, reason = describe_failure(failure)
        if request.meta["asked"] == site.url:
            site.problem = f"{site.url}: {reason}"
        else:
            site.read[request.meta["asked"]] = _Read(DocumentType.NOTHING, reason)


def discovery_settings(
    hosts: Sequence[str], options: CrawlOptions, delay: float, resolver: Resolver | None = None
) -> dict[str, Any]:
    """A crawl's own settings, paced for discovery: one request at a time per site."""
    settings = crawler_settings((), options, reactor=False, resolver=resolver)
    return {
        **settings,
        "DOWNLOAD_DELAY": delay,
        "AUTOTHROTTLE_START_DELAY": delay,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DOWNLOAD_SLOTS": {host: {"delay": delay, "concurrency": 1} for host in hosts},
        # the hosts named on the command line are the operator's to point at
        **guard_settings(hosts=hosts, reroute=options.reroute, resolver=resolver),
    }


async def discover_sites(
    urls: Sequence[str],
    *,
    options: CrawlOptions,
    delay: float,
    resolver: Resolver | None = None,
) -> list[SiteFindings]:
    """Discover every site at once (each at its own pace), in the order given.

    Runs on the caller's asyncio loop, as an in-process crawl does.
    """
    hosts = sorted({(urlsplit(url).hostname or "").lower() for url in urls} - {""})
    runner = AsyncCrawlerRunner(Settings({"TWISTED_REACTOR_ENABLED": False}))
    settings = Settings(discovery_settings(hosts, options, delay, resolver))
    crawler = Crawler(DiscoverySpider, settings)
    try:
        await runner.crawl(crawler, urls=list(dict.fromkeys(urls)))
    except Exception as exc:
        raise NewsarchiveError(f"discovery failed: {exc}") from exc
    spider = crawler.spider
    assert isinstance(spider, DiscoverySpider)
    return [spider.sites[url].findings() for url in urls]
