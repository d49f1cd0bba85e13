"""The author named in the page's markup, for pages that declare none in their metadata.

trafilatura's own reading (``trafilatura.metadata.extract_author``) copies the
whole tree and runs regular-expression tests on every element, which on a
large page costs a fifth of an extraction; and most pages that name an author
declare it in a meta tag or JSON-LD anyway.  So this is one plain XPath over
the usual byline markers (``rel=author``, ``itemprop=author``, a class or id
with "author" or "byline"), outside comment sections, read without the
``<time>`` and ``<figure>`` it may hold, and only where a byline sits: around
the page's single headline (the element two levels above its ``<h1>``).  A
page without one headline gets no markup byline.

A byline often labels the date it carries ("By Jane Doe Published <time>");
with the date left out, the label would end the name.  trafilatura's
normalisation takes a label off the front ("Posted by"), not off the end, so
the labels of the languages the date-line rule reads are taken off here.
"""

from __future__ import annotations

from lxml import etree
from lxml.html import HtmlElement
from trafilatura.json_metadata import normalize_authors
from trafilatura.utils import trim

from newsarchive.extraction.page import Page
from newsarchive.extraction.titles import headline_container

_MARKERS = (
    "@rel='author' or contains(@itemprop, 'author') or contains(@id, 'author')"
    " or contains(@class, 'author') or contains(@class, 'Author')"
    " or contains(@class, 'byline') or contains(@class, 'Byline')"
)
_COMMENTS = "ancestor-or-self::*[contains(@class, 'comment') or contains(@id, 'comment')]"
_BYLINE = etree.XPath(
    f"descendant::*[@class or @id or @rel or @itemprop][{_MARKERS}][not({_COMMENTS})]"
)
_NOT_NAMES = frozenset({"time", "figure", "script", "style", "img"})
_MAX_BYLINE = 120  # characters; a longer match is a paragraph that mentions an author
_DATE_LABELS = frozenset(
    {
        *("published", "posted", "updated", "modified", "last"),
        *("veröffentlicht", "aktualisiert", "publié", "publiée", "mis", "à", "jour"),
        *("publicado", "publicada", "actualizado", "atualizado", "pubblicato", "aggiornato"),
        *("gepubliceerd", "bijgewerkt"),
    }
)


def _texts(element: HtmlElement) -> list[str]:
    """The element's text without dates, figures and scripts inside it (their tails stay)."""
    parts = [element.text or ""]
    for child in element:
        if child.tag not in _NOT_NAMES:
            parts += _texts(child)
        parts.append(child.tail or "")
    return parts


def _without_date_label(name: str) -> str:
    """``Jane Doe Published`` -> ``Jane Doe``; ``Mis à jour`` -> empty."""
    words = name.split()
    while words and words[-1].casefold() in _DATE_LABELS:
        words.pop()
    return " ".join(words)


def markup_byline(page: Page) -> str | None:
    """The first byline's names: ``By Jane Doe · <time>5 March</time>`` -> ``Jane Doe``."""
    found = headline_container(page)
    for element in _BYLINE(found[1]) if found is not None else ():
        text = trim(" ".join(_texts(element)))
        if 2 < len(text) < _MAX_BYLINE:
            names = (normalize_authors(None, text) or "").split("; ")
            kept = "; ".join(filter(None, map(_without_date_label, names)))
            if kept:  # a byline that was only a date's label names no one: try the next
                return kept
    return None
