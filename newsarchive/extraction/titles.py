"""The headline out of a page title: the site's own name taken off either end.

Pages title themselves ``Headline | Site`` or ``Site | Tagline: Headline``.
Only names the page gives itself count as evidence of a site name
(``og:site_name``, ``application-name``, JSON-LD publisher and site names), and
only when a separator stands between name and headline: a plain space is no
separator, so "Appoints New CEO at Experience" on a site called Experience
keeps its last word.  A site name in front often brings a tagline with it
(``LinkNaija | Nigeria's popular news platform: Headline``); the page's single
``<h1>``, when the title ends with it, says where the headline starts.

Lead and byline are looked for around that ``<h1>``, but only when it is the
article's headline.  A page whose one ``<h1>`` heads a featured story's card
links that ``<h1>`` to the other story and titles itself otherwise; what sits
by the card, its teaser and its author, is the other story's.  Both signs are
needed: many articles' titles are reworded for search engines, and some
headlines link to their own page or to a section.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urldefrag, urljoin

from lxml.html import HtmlElement

from newsarchive.extraction.page import Page
from newsarchive.extraction.paragraphs import clean

# Pipes, hyphen, en and em dash, colon, middle dot, bullet, guillemets, slash, tilde.
SEPARATORS = "|-\u2013\u2014:\u00b7\u2022\u00bb\u00ab/~"
_TRIM = SEPARATORS + " "
_WORD = re.compile(r"\w+")


def _without_suffix(title: str, name: str) -> str:
    if len(title) > len(name) and title.casefold().endswith(name.casefold()):
        head = title[: -len(name)].rstrip()
        if head and head[-1] in SEPARATORS:
            return head.rstrip(_TRIM) or title
    return title


def _after_prefix(title: str, name: str) -> str | None:
    """The title after a leading ``name`` and separator; None when it does not start so."""
    if len(title) > len(name) and title.casefold().startswith(name.casefold()):
        tail = title[len(name) :].lstrip()
        if tail and tail[0] in SEPARATORS:
            return tail.lstrip(_TRIM) or None
    return None


def single_h1(page: Page) -> HtmlElement | None:
    """The page's headline element, when the page has exactly one ``<h1>``."""
    headings = page.landmarks.headings
    return headings[0] if len(headings) == 1 else None


def _page_titles(page: Page) -> list[str]:
    """What the page calls itself: its ``<title>`` and its ``og:title``."""
    metas = page.landmarks.metas
    titles = [str(m.get("content")) for m in metas if m.get("property") == "og:title"]
    title = page.tree.find("head/title")  # not an SVG image's <title> in the body
    return [*titles, title.text_content()] if title is not None else titles


def _address(url: str) -> str:
    """A URL without its fragment and trailing slash, for telling pages apart."""
    return urldefrag(url).url.rstrip("/")


def _links_elsewhere(h1: HtmlElement, page: Page) -> bool:
    """True when the ``<h1>`` is, or holds, a link to a page other than this one."""
    canonical = page.tree.find("head/link[@rel='canonical']")
    base = page.url or (canonical.get("href") if canonical is not None else None) or ""
    here = {_address(base)}
    if canonical is not None and canonical.get("href"):
        here.add(_address(urljoin(base, canonical.get("href", ""))))
    hrefs = h1.xpath("ancestor-or-self::a/@href | .//a/@href")
    targets = {_address(urljoin(base, str(href).strip())) for href in hrefs if str(href).strip()}
    return bool(targets - here)


def _titled_so(h1: HtmlElement, page: Page) -> bool:
    """True when the page's title agrees with the ``<h1>``: a third of its words are in it.

    A page with no title has no say.  A title reworded from the headline for
    search engines still shares its key words ("Wie pflege ich meine
    Zaubernuss im Winter?" under "Zaubernuss im Winter » Wann blüht die
    Hamamelis?": three of seven); a featured story's headline shares a stray
    "of" or "the".
    """
    titles = [title.casefold() for title in _page_titles(page) if title.strip()]
    words = _WORD.findall(h1.text_content().casefold())
    if not titles or not words:
        return True
    titled = {word for title in titles for word in _WORD.findall(title)}
    return sum(word in titled for word in words) * 3 >= len(words)


def headline_container(page: Page) -> tuple[HtmlElement, HtmlElement] | None:
    """The single ``<h1>`` and the element two levels above it, where lead and byline sit.

    None when the page has no single ``<h1>``, or when the ``<h1>`` links to
    another page and the page's title is not its.
    """
    h1 = single_h1(page)
    parent = h1.getparent() if h1 is not None else None
    if h1 is None or parent is None:
        return None
    if _links_elsewhere(h1, page) and not _titled_so(h1, page):
        return None
    grandparent = parent.getparent()
    return h1, grandparent if grandparent is not None else parent


def headline(title: str | None, site_names: Sequence[str], page: Page) -> str | None:
    """``title`` without the site's name (and a tagline after a leading one)."""
    if not title:
        return None
    title = clean(title)
    for name in sorted(site_names, key=len, reverse=True):  # "Site News" before "Site"
        title = _without_suffix(title, name)
        rest = _after_prefix(title, name)
        if rest is not None:
            element = single_h1(page)
            h1 = clean(element.text_content()) if element is not None else ""
            title = h1 if h1 and h1 != rest and rest.endswith(h1) else rest
    return title
