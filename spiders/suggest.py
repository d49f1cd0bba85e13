"""From what a site gave to an outlet: which document to crawl, and why.

Each candidate is judged by the article URLs it lists: on the site's own
domains, shaped like articles (courlan's filters for navigation, archive,
file and index pages), and how many of them the document dates within
:data:`RECENT`.  A news sitemap with recent articles wins (it lists a
site's newest articles with their publication dates, which is what an
archive needs), then a feed, then a sitemap index, then a plain urlset.

An ``article_pattern`` is suggested only when it is safe to: every one of
at least :data:`MIN_SAMPLE` article URLs shares the path shape it names, so
it would have let every article seen through.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from courlan import is_navigation_page
from courlan.filters import extension_filter, path_filter, type_filter
from courlan.urlutils import get_tldinfo

from newsarchive.records import Discovery
from newsarchive.spiders.discovery import Document, DocumentType, SiteFindings
from newsarchive.spiders.outlets import OutletKind
from newsarchive.spiders.urls import on_site

RECENT = timedelta(days=7)
"""A live news outlet's documents list something from the last week."""
MIN_SAMPLE = 5
"""Fewer article URLs than this say too little about their shape to suggest a pattern."""

_RANK = {
    DocumentType.NEWS_SITEMAP: 0,
    DocumentType.FEED: 1,
    DocumentType.SITEMAP_INDEX: 2,
    DocumentType.URLSET: 3,
}
_KIND = {
    DocumentType.NEWS_SITEMAP: OutletKind.SITEMAP,
    DocumentType.FEED: OutletKind.FEED,
    DocumentType.SITEMAP_INDEX: OutletKind.SITEMAP,
    DocumentType.URLSET: OutletKind.SITEMAP,
}
_WHY = {
    DocumentType.NEWS_SITEMAP: "a Google News sitemap lists the newest articles with their dates",
    DocumentType.FEED: "a feed lists the newest articles",
    DocumentType.SITEMAP_INDEX: "a sitemap index reaches every listed article",
    DocumentType.URLSET: "the only document that lists articles",
}

_DATE_SHAPES = (
    (re.compile(r"(?:19|20)\d\d-[01]\d-[0-3]\d"), r"\d{4}-\d{2}-\d{2}"),
    (re.compile(r"(?:19|20)\d\d[01]\d[0-3]\d"), r"\d{8}"),
    (re.compile(r"(?:19|20)\d\d"), r"\d{4}"),
    (re.compile(r"[0-3]\d"), r"\d{2}"),
    (re.compile(r"\d"), r"\d{1,2}"),
)
_MONTH_OR_DAY = {r"\d{2}", r"\d{1,2}"}


@dataclass(frozen=True)
class Judged:
    """A document with what it lists, as far as an outlet is concerned."""

    document: Document
    listed: int  # entries, or an index's sitemaps
    articles: tuple[str, ...]  # article-like URLs on the site (an index: in its children read)
    recent: int  # of those, dated within RECENT

    def summary(self) -> str:
        if self.document.type is DocumentType.NOTHING:
            return self.document.problem or "nothing"
        what = "sitemaps" if self.document.type is DocumentType.SITEMAP_INDEX else "URLs"
        return (
            f"{self.listed} {what} listed, {len(self.articles)} article-like, "
            f"{self.recent} from the last {RECENT.days} days"
        )


@dataclass(frozen=True)
class Suggestion:
    """An outlet table's fields and, per field, the reasons given as comments."""

    fields: dict[str, Any]
    notes: dict[str, tuple[str, ...]]


def site_domain(url: str) -> str:
    """The host an outlet's ``allowed_domains`` names: without ``www.``, subdomains included."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def site_label(url: str) -> str:
    """A name for a site: its host without ``www.`` and without the public suffix."""
    domain, registered = get_tldinfo(url)
    host = site_domain(url)
    if domain and registered and host.endswith(registered):
        suffix = registered[len(domain) :]
        return host[: len(host) - len(suffix)]
    return host


def is_article_like(url: str, domains: Sequence[str]) -> bool:
    """On the site, and not a navigation, archive, index or file URL (courlan's filters)."""
    if not on_site(url, domains):
        return False
    parts = urlsplit(url)
    return (
        parts.path.strip("/") != ""
        and type_filter(url, strict=True)
        and extension_filter(parts.path)
        and path_filter(parts.path, parts.query)
        and not is_navigation_page(url)
    )


def _dated_after(found: Discovery, since: datetime) -> bool:
    dates = [d for d in (found.published, found.modified) if d is not None]
    return bool(dates) and max(dates) >= since


def judge(findings: SiteFindings, now: datetime) -> list[Judged]:
    """Every document of the site with its article counts (an index with its children's)."""
    domains = [site_domain(findings.page_url or findings.url)]
    since = now - RECENT
    own: dict[str, tuple[list[str], int]] = {}
    for document in findings.documents:
        articles = [url for url, _ in document.entries if is_article_like(url, domains)]
        recent = sum(
            1
            for url, found in document.entries
            if _dated_after(found, since) and is_article_like(url, domains)
        )
        own[document.url] = (list(dict.fromkeys(articles)), recent)
    judged = []
    for document in findings.documents:
        articles, recent = own[document.url]
        if document.type is DocumentType.SITEMAP_INDEX:
            for child in findings.documents:
                if child.parent == document.url:
                    articles = [*articles, *own[child.url][0]]
                    recent += own[child.url][1]
        listed = len(document.children) or len(document.entries)
        judged.append(Judged(document, listed, tuple(dict.fromkeys(articles)), recent))
    return judged


def best(judged: Sequence[Judged]) -> Judged | None:
    """The document to crawl: recent articles first, then the kind, then how many it lists."""
    usable = [j for j in judged if j.document.type is not DocumentType.NOTHING and j.articles]
    if not usable:
        return None
    return min(
        usable,
        key=lambda j: (j.recent == 0, _RANK[j.document.type], -len(j.articles), judged.index(j)),
    )


def _shape(segment: str) -> str:
    for pattern, shape in _DATE_SHAPES:
        if pattern.fullmatch(segment):
            return shape
    return re.escape(segment)


def _is_date(shape: str) -> bool:
    return shape in {s for _, s in _DATE_SHAPES}


def _folders(url: str) -> list[str]:
    """The shapes of the path's folders (its last segment, the article's own, left out)."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    return [_shape(s) for s in segments[:-1]]


def suggest_pattern(urls: Sequence[str]) -> tuple[str, str] | None:
    """An ``article_pattern`` every URL matches, and its reason; None when unsure.

    The folders every URL begins with, up to the last date among them (a date is
    what makes an article's address); without one, the first folder alone.
    Without a common beginning, a run of dates every URL has somewhere.
    """
    if len(urls) < MIN_SAMPLE:
        return None
    shapes = [_folders(url) for url in urls]
    common: list[str] = []
    for column in zip(*shapes, strict=False):
        kinds = set(column)
        if len(kinds) > 1 and kinds != _MONTH_OR_DAY:
            break
        common.append(column[0] if len(kinds) == 1 else r"\d{1,2}")
    dated = [i for i, shape in enumerate(common) if _is_date(shape)]
    if dated:
        prefix = common[: dated[-1] + 1]
    elif common:
        prefix = common[:1]
    else:
        return _date_run(urls, shapes)
    pattern = "^https?://[^/]+/" + "/".join(prefix) + "/"
    return _checked(pattern, urls, "begin with")


def _date_run(urls: Sequence[str], shapes: list[list[str]]) -> tuple[str, str] | None:
    runs = set()
    for folders in shapes:
        run = [shape for shape in folders if _is_date(shape)]
        if not run:
            return None
        runs.add(tuple(run))
    if len(runs) != 1:
        return None
    return _checked("/" + "/".join(runs.pop()) + "/", urls, "contain")


def _checked(pattern: str, urls: Sequence[str], verb: str) -> tuple[str, str] | None:
    if not all(re.search(pattern, url) for url in urls):
        return None
    return pattern, f"all {len(urls)} article URLs seen {verb} this shape"


def suggest(findings: SiteFindings, now: datetime) -> tuple[Suggestion | None, list[Judged]]:
    """The outlet to crawl the site as (None when nothing lists articles), and every judgement
    (which the caller shows: the reasons here say only why the chosen document won)."""
    judged = judge(findings, now)
    chosen = best(judged)
    if chosen is None:
        return None, judged
    document = chosen.document
    domains = list(dict.fromkeys([site_domain(findings.page_url or findings.url)]))
    if not on_site(document.url, domains):
        domains.append(site_domain(document.url))
    notes: dict[str, tuple[str, ...]] = {
        "kind": (
            f"chosen: the {document.type.label}, found as {' and '.join(document.found_by)}"
            f" ({_WHY[document.type]})",
        )
    }
    fields: dict[str, Any] = {
        "name": site_label(findings.page_url or findings.url),
        "kind": _KIND[document.type].value,
        "start_urls": [document.url],
        "allowed_domains": domains,
    }
    pattern = suggest_pattern(chosen.articles)
    if pattern is None:
        notes["allowed_domains"] = (
            f"no article_pattern: {len(chosen.articles)} article URLs share no path shape"
            f"{' (too few to tell)' if len(chosen.articles) < MIN_SAMPLE else ''}",
        )
    else:
        fields["article_pattern"], why = pattern
        notes["article_pattern"] = (why,)
    return Suggestion(fields, notes), judged
