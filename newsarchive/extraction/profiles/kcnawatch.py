"""Aggregator of North Korean state media (KCNA Watch).

Each item is republished with a line ``Date: 23/03/2021 | Source: Ministry of
Foreign Affairs (EN) | Read original version at source``.  The page's own date
(visible and in its metadata) is the day the aggregator *listed* the item,
often years later; the date line holds the original publication date (day
first) and the source, and links the original.  A "More From <source>" list
of teasers follows the item.
"""

from __future__ import annotations

import re
from datetime import datetime

from lxml import etree
from lxml.html import HtmlElement

from newsarchive.extraction.page import Page
from newsarchive.extraction.profile import Profile, Syndication, has_class, xpaths
from newsarchive.records import DateCandidate

_DATE_LINE_XPATH = (
    "//*[starts-with(normalize-space(), 'Date:') and contains(., '| Source:')]"
    "[not(.//*[starts-with(normalize-space(), 'Date:') and contains(., '| Source:')])]"
)
_DATE_LINE_NODE = etree.XPath(_DATE_LINE_XPATH)
_DATE_LINE = re.compile(
    r"Date:\s*(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})\s*\|\s*Source:\s*(?P<source>[^|]+?)\s*(?:\||$)"
)


def _date_line(tree: HtmlElement) -> tuple[HtmlElement, re.Match[str]] | None:
    for node in _DATE_LINE_NODE(tree):
        match = _DATE_LINE.search(" ".join(node.text_content().split()))
        if match:
            return node, match
    return None


def kcna_date_line(page: Page) -> DateCandidate | None:
    """The item's own date from ``Date: dd/mm/yyyy | Source: ...`` (date only)."""
    found = _date_line(page.tree)
    if found is None:
        return None
    match = found[1]
    try:
        value = datetime(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        return None  # an impossible date such as 31/02 is no evidence
    return DateCandidate(source="profile:kcna-date-line", value=value)


def kcna_source_line(page: Page, text: str) -> Syndication | None:
    """The ``Source:`` of the date line and its "Read original version" link."""
    found = _date_line(page.tree)
    if found is None:
        return None
    node, match = found
    links = node.xpath(".//a[@href]/@href")
    return Syndication(source=match["source"], url=str(links[0]) if links else None)


KCNAWATCH = Profile(
    name="kcnawatch",
    description="KCNA Watch: republished KCNA items with a 'Date: | Source:' line",
    prune=xpaths(
        _DATE_LINE_XPATH,
        "//*[./*[self::h2 or self::h3 or self::h4][starts-with(normalize-space(), 'More From')]]",
        f"//div[{has_class('article-date')}]",
        f"//div[{has_class('article-badges')}]",
    ),
    date_rules=(kcna_date_line,),
    syndication=kcna_source_line,
)
