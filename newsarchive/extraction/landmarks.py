"""The elements several reading rules look for, found in one walk over the page.

A walk over a parsed page is cheap next to an extraction, but the rules would
walk it seven times between them: meta tags and JSON-LD scripts for the
metadata, the headline for the title, lead and byline, tables, ``<time>``.
:func:`walk` collects all of them in one pass; the parsed page
(:class:`~newsarchive.extraction.page.Page`) calls it when a rule first asks
and keeps the result for that page only.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml.html import HtmlElement

_WANTED = ("meta", "script", "h1", "table", "time")


@dataclass(frozen=True, slots=True)
class Landmarks:
    """The page's elements of each wanted tag, in document order."""

    metas: tuple[HtmlElement, ...]
    scripts: tuple[HtmlElement, ...]
    headings: tuple[HtmlElement, ...]  # the <h1> elements
    tables: tuple[HtmlElement, ...]
    times: tuple[HtmlElement, ...]


def walk(tree: HtmlElement) -> Landmarks:
    """The landmarks of ``tree``, in one walk.

    A rule that retags elements (layout tables become ``div``) leaves them in
    the lists under their new tag; no rule reads a landmark after that.
    """
    found: dict[str, list[HtmlElement]] = {tag: [] for tag in _WANTED}
    for element in tree.iter(*_WANTED):  # one walk in C, a proxy only for the matches
        found[element.tag].append(element)
    return Landmarks(
        metas=tuple(found["meta"]),
        scripts=tuple(found["script"]),
        headings=tuple(found["h1"]),
        tables=tuple(found["table"]),
        times=tuple(found["time"]),
    )
