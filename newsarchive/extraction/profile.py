"""What an outlet profile is: trafilatura settings plus small named rules.

trafilatura does the heavy lifting on every page.  A profile only records what
it cannot know about one kind of site: which nodes are furniture that looks
like text (related-article cards, captions, share bars), where a lead
paragraph lives that the extractor drops, where the *original* date or the
syndication credit is written.  Each such piece of knowledge is a small
function with a name saying what it reads, so a profile reads as a list of
facts about an outlet rather than as branches inside the extractor.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import copy
from dataclasses import dataclass, field
from functools import cache

from lxml import etree
from trafilatura.settings import Extractor

from newsarchive.extraction.page import Page
from newsarchive.records import DateCandidate


@dataclass(frozen=True, slots=True)
class ExtractorOptions:
    """The trafilatura switches a profile may turn; the rest stays at trafilatura's defaults."""

    favor_precision: bool = False
    favor_recall: bool = False
    include_tables: bool = True

    def build(self, url: str | None) -> Extractor:
        """A trafilatura ``Extractor`` for one page: this profile's switches and the page's URL.

        Constructing one reads trafilatura's configuration anew (0.2 ms, about 1 % of an
        extraction), so the switches are built once and each page gets a copy carrying its URL.
        """
        extractor = copy(_switched(self))
        extractor.url = extractor.source = url
        return extractor


@cache
def _switched(options: ExtractorOptions) -> Extractor:
    return Extractor(
        output_format="python",
        precision=options.favor_precision,
        recall=options.favor_recall,
        comments=False,
        tables=options.include_tables,
        dedup=False,  # trafilatura's cache is process-wide: a page seen twice would lose text
        with_metadata=False,  # the pipeline reads metadata from its own single pass
    )


@dataclass(frozen=True, slots=True)
class Syndication:
    """Who published an item first, as a republishing page credits it."""

    source: str
    url: str | None = None


DateRule = Callable[[Page], DateCandidate | None]
"""Reads an outlet-specific date from the parsed page; None when absent."""

LeadRule = Callable[[Page], str | None]
"""Returns a lead paragraph that sits outside the article body trafilatura keeps."""

SyndicationRule = Callable[[Page, str], Syndication | None]
"""Reads the original source from the page and/or the extracted body text."""

BylineRule = Callable[[str], str | None]
"""Given the last body paragraph, the author's name when that paragraph is a byline."""


@dataclass(frozen=True, slots=True)
class Profile:
    """Everything extraction knows about one kind of outlet."""

    name: str
    description: str
    options: ExtractorOptions = field(default_factory=ExtractorOptions)
    prune: tuple[etree.XPath, ...] = ()  # furniture removed before trafilatura sees the tree
    lead: LeadRule | None = None
    date_rules: tuple[DateRule, ...] = ()
    syndication: SyndicationRule | None = None
    closing_byline: BylineRule | None = None


def xpaths(*expressions: str) -> tuple[etree.XPath, ...]:
    """Compile a profile's XPath expressions once, at import (a typo fails at start-up)."""
    return tuple(etree.XPath(expression) for expression in expressions)


def has_class(name: str) -> str:
    """XPath predicate for an element carrying the CSS class ``name`` (not a substring of one)."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"
