"""A lead paragraph in its own element under the headline (standfirst, lead, summary).

Many sites print the lead, set apart, between the headline and the body:
``<p class="standfirst">``, ``<div class="article-lead">``, ``itemprop="description"``.
trafilatura often reads it as a teaser and drops it.  It is the article's only
when it sits with the article's own headline, so it is looked for after the
page's single ``<h1>`` when it is the article's headline
(:func:`~newsarchive.extraction.titles.headline_container`), within the
headline's container (two levels up), and never inside a link, a list item, a
figure or navigation: that is where the teasers of other articles live.  A
name that qualifies the lead word by an author (``m-author__description``)
names the writer's biography.  Only the element's own name counts: an
article's container is often named for its author too (``author-article``).
Its text is what a reader sees, so without the scripts and styles an element
may carry.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

from newsarchive.extraction.page import Page
from newsarchive.extraction.paragraphs import clean
from newsarchive.extraction.titles import headline_container

_LEAD_NAME = re.compile(
    r"(?:^|[\s_-])(?:standfirst|lead|lede|intro|summary|dek|deck|excerpt|abstract|chapo|chapeau"
    r"|subtitle|description)(?:$|[\s_-])",
    re.IGNORECASE,
)
_AUTHOR_NAME = re.compile(
    r"(?:^|[\s_-])(?:author|authors|byline|bio|biography|profile|contributor)(?:$|[\s_-])",
    re.IGNORECASE,
)
_NOT_ARTICLE = frozenset({"a", "li", "nav", "aside", "figure", "figcaption", "footer", "form"})
_TEXT_BLOCKS = frozenset({"p", "div", "h2", "span", "section"})
MIN_LEAD, MAX_LEAD = 40, 700  # characters: a sentence or two, not a label or a whole story
MAX_SCANNED = 150  # elements after the headline: the lead sits right under it
_VISIBLE_TEXT = etree.XPath(
    ".//text()[not(ancestor::script or ancestor::style or ancestor::noscript"
    " or ancestor::template)]"
)


def _names(element: HtmlElement) -> str:
    return " ".join(element.get(attr, "") for attr in ("class", "id", "itemprop"))


def _named_lead(element: HtmlElement) -> bool:
    """A name says lead, and not the author's: ``m-author__description`` is a biography."""
    names = _names(element).split()
    return any(_LEAD_NAME.search(name) and not _AUTHOR_NAME.search(name) for name in names)


def _in_article(element: HtmlElement, scope: HtmlElement) -> bool:
    """Not within a link, list item, figure or navigation between it and ``scope``."""
    for node in (element, *element.iterancestors()):
        if node is scope:
            return True
        if node.tag in _NOT_ARTICLE:
            return False
    return False


def _visible_text(element: HtmlElement) -> str:
    """The element's text as a reader sees it: no script, style or template inside."""
    return clean("".join(str(text) for text in _VISIBLE_TEXT(element)))


def standfirst(page: Page) -> str | None:
    """The lead set apart under the page's single headline, when there is one."""
    found = headline_container(page)
    if found is None:
        return None
    h1, scope = found
    following = False
    for scanned, element in enumerate(scope.iter()):
        if element is h1:
            following = True
        elif following and element.tag in _TEXT_BLOCKS and _named_lead(element):
            text = _visible_text(element)
            if MIN_LEAD <= len(text) <= MAX_LEAD and _in_article(element, scope):
                return text
        if scanned > MAX_SCANNED:
            break
    return None
