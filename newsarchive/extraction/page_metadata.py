"""The machine-readable layer of a page: ``<meta>`` tags and JSON-LD, read once.

trafilatura can read metadata too, but it flattens it to one value per field,
does not say where a value came from, and reads the page again for it (its
metadata pass costs about as much as a third of its extraction).  Dates need
their provenance (the archive records ``date_source``) and several candidates
side by side, and titles need every name the site gives itself, so the raw
layer is collected here once per page and queried by the date and field logic.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from newsarchive.extraction.page import Page

# schema.org types whose datePublished is the article's own date.  A WebPage's
# datePublished is often the date the CMS page was created (an aggregator's
# listing date), so it is kept apart.
ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "ReviewNewsArticle",
        "BlogPosting",
        "LiveBlogPosting",
        "Report",
    }
)
PAGE_TYPES = frozenset({"WebPage", "ItemPage"})
AUTHOR_META = ("author", "article:author", "dc.creator", "sailthru.author", "parsely-author")

# Where pages declare their headline, description, author and own name, in trafilatura's order.
TITLE_META = (
    "og:title",
    "twitter:title",
    "citation_title",
    "dc.title",
    "dcterms.title",
    "headline",
    "parsely-title",
    "sailthru.title",
    "title",
)
DESCRIPTION_META = ("og:description", "description", "twitter:description", "dc.description")
SITE_NAME_META = ("og:site_name", "application-name", "apple-mobile-web-app-title")
SITE_TYPES = frozenset({"Organization", "NewsMediaOrganization", "WebSite"})

_HTML_LANG = etree.XPath("/html/@lang")
_LANGUAGE = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*$")


def _objects(node: Any) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object in a parsed block, unpacking lists and ``@graph``."""
    if isinstance(node, list):
        for item in node:
            yield from _objects(item)
    elif isinstance(node, dict):
        yield node
        yield from _objects(node.get("@graph", []))


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type", ())
    return {kind} if isinstance(kind, str) else {k for k in kind if isinstance(k, str)}


def primary_language(tag: str | None) -> str | None:
    """``en-US`` / ``en_US`` / ``EN`` -> ``en``; None for anything that is no language tag."""
    match = _LANGUAGE.match(tag.strip()) if tag else None
    return match.group(1).lower() if match else None


@dataclass(frozen=True, slots=True)
class PageMetadata:
    """Meta tags by lower-cased name/property/itemprop, and the JSON-LD objects."""

    meta: dict[str, tuple[str, ...]]
    json_ld: tuple[dict[str, Any], ...]
    html_lang: str | None

    @classmethod
    def read(cls, page: Page) -> PageMetadata:
        meta: dict[str, list[str]] = {}
        found = page.landmarks
        for element in found.metas:
            key = element.get("property") or element.get("name") or element.get("itemprop")
            content = (element.get("content") or "").strip()
            if key and content:
                meta.setdefault(key.strip().lower(), []).append(content)
        objects: list[dict[str, Any]] = []
        for script in found.scripts:
            if script.get("type") != "application/ld+json" or not script.text:
                continue
            try:
                objects.extend(_objects(json.loads(script.text)))
            except json.JSONDecodeError:
                continue  # a broken block is common and says nothing about the rest
        langs = _HTML_LANG(page.tree)
        return cls(
            meta={key: tuple(values) for key, values in meta.items()},
            json_ld=tuple(objects),
            html_lang=str(langs[0]) if langs else None,
        )

    def first(self, *names: str) -> tuple[str, str] | None:
        """The first ``(name, content)`` among meta ``names``, in the order asked."""
        for name in names:
            values = self.meta.get(name)
            if values:
                return name, values[0]
        return None

    def all(self, name: str) -> tuple[str, ...]:
        return self.meta.get(name, ())

    def json_ld_values(self, types: frozenset[str], key: str) -> Iterator[Any]:
        """Values of ``key`` on JSON-LD objects of the given schema.org types."""
        for obj in self.json_ld:
            if _types(obj) & types and obj.get(key) not in (None, "", []):
                yield obj[key]

    def language(self) -> str | None:
        """Declared language: JSON-LD ``inLanguage``, ``<html lang>``, then og:locale."""
        declared = [str(v) for v in self.json_ld_values(ARTICLE_TYPES | PAGE_TYPES, "inLanguage")]
        declared.append(self.html_lang or "")
        found = self.first("og:locale", "content-language", "dc.language")
        if found:
            declared.append(found[1])
        return next((lang for lang in map(primary_language, declared) if lang), None)

    def tags(self) -> tuple[str, ...]:
        """Subject tags: ``article:tag`` metas, else JSON-LD keywords."""
        tags = list(self.all("article:tag"))
        if not tags:
            for keywords in self.json_ld_values(ARTICLE_TYPES, "keywords"):
                items = keywords.split(",") if isinstance(keywords, str) else keywords
                tags.extend(str(item) for item in items)
        return tuple(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))

    def title(self) -> str | None:
        """The declared headline: title meta tags, then a JSON-LD article's ``headline``."""
        found = self.first(*TITLE_META)
        if found:
            return found[1]
        return next((str(h) for h in self.json_ld_values(ARTICLE_TYPES, "headline")), None)

    def description(self) -> str | None:
        found = self.first(*DESCRIPTION_META)
        return found[1] if found else None

    def site_names(self) -> tuple[str, ...]:
        """Every name the site gives itself: site-name metas, JSON-LD publisher and site names.

        Titles are cleaned of these, so they come from the page's own statements only.
        """
        names = [name for key in SITE_NAME_META for name in self.all(key)]
        for obj in self.json_ld:
            if _types(obj) & SITE_TYPES:
                names.append(str(obj.get("name", "")))
            publisher = obj.get("publisher")
            if isinstance(publisher, dict):
                names.append(str(publisher.get("name", "")))
        return tuple(dict.fromkeys(name.strip() for name in names if name.strip()))

    def organisation_names(self) -> set[str]:
        """Names of organisations (publisher, site): never a person's byline."""
        names = set(self.all("og:site_name"))
        for obj in self.json_ld:
            if _types(obj) & SITE_TYPES:
                names.add(str(obj.get("name", "")))
            for role in ("author", "publisher"):
                party = obj.get(role)
                if isinstance(party, dict) and "Organization" in str(party.get("@type", "")):
                    names.add(str(party.get("name", "")))
        return {name.strip().casefold() for name in names if name.strip()}

    def authors(self) -> tuple[str, ...]:
        """Declared authors: author meta tags, then the names of a JSON-LD article's authors."""
        names = [name for key in AUTHOR_META for name in self.all(key)]
        for party in self.json_ld_values(ARTICLE_TYPES, "author"):
            for person in party if isinstance(party, list) else [party]:
                name = person.get("name") if isinstance(person, dict) else person
                names.append(str(name or ""))
        names = [name.strip() for name in names]
        return tuple(name for name in names if name and not name.startswith(("http:", "https:")))
