"""The elements several reading rules look for, found in one walk over the page.

A walk over a parsed page costs about 0.13 ms on the snippet set's pages (a
whole extraction about 25 ms), and the rules would walk it seven times between
them: meta tags and JSON-LD scripts for the metadata, the headline for the
title, lead and byline, tables, ``<time>``.
:func:`landmarks` walks once and keeps the result for the tree in hand, so
every rule (a profile's included) can go on taking just the tree; the
pipeline calls :func:`forget` when the page is done.
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


# The tree last walked and what was found; one (tree, result) pair replaced at once, so
# threads extracting different pages at the same time only ever miss, never mix them up.
_last: tuple[HtmlElement, Landmarks] | None = None


def landmarks(tree: HtmlElement) -> Landmarks:
    """The landmarks of ``tree``, walked for on the first call for this tree only.

    A rule that retags elements (layout tables become ``div``) leaves them in
    the lists under their new tag; no rule reads a landmark after that.
    """
    global _last
    last = _last
    if last is not None and last[0] is tree:
        return last[1]
    found: dict[str, list[HtmlElement]] = {tag: [] for tag in _WANTED}
    for element in tree.iter(*_WANTED):  # one walk in C, a proxy only for the matches
        found[element.tag].append(element)
    marks = Landmarks(
        metas=tuple(found["meta"]),
        scripts=tuple(found["script"]),
        headings=tuple(found["h1"]),
        tables=tuple(found["table"]),
        times=tuple(found["time"]),
    )
    _last = (tree, marks)
    return marks


def forget(tree: HtmlElement) -> None:
    """Drop what was found for ``tree``, whose page is done.

    Kept until the next page, the tree and its landmarks' proxies outlived the
    collections of the garbage collector's young generations into the oldest,
    bringing its full collections (65 ms each with trafilatura's, htmldate's and
    dateparser's data loaded) on sooner, and the tree was freed only once other
    work had pushed it out of the processor's caches.  Forgetting it when its
    page is done took the snippet set from 1.12x bare trafilatura's CPU time
    to 1.08x (``bench/README.md``).
    """
    global _last
    last = _last
    if last is not None and last[0] is tree:
        _last = None
