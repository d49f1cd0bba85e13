"""The parsed page every reading rule receives, made once per page by the pipeline.

Rules take the page rather than a bare tree so that what several of them look
for (:mod:`~newsarchive.extraction.landmarks`) is walked for at most once per
page and kept on the page itself, not in a cache shared between pages or
threads.  The page lives exactly as long as its extraction: the tree and its
landmarks' element proxies are freed when :func:`~newsarchive.extraction.extract`
returns.  Kept until the next page instead, they outlived the collections of
the garbage collector's young generations into the oldest, bringing its full
collections (costly with trafilatura's, htmldate's and dateparser's data
loaded) on sooner, and were freed only once other work had pushed them out
of the processor's caches.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from lxml.html import HtmlElement

from newsarchive.extraction.landmarks import Landmarks, walk


@dataclass(frozen=True, eq=False)
class Page:
    """A parsed page and the URL it was fetched from (None when unknown)."""

    tree: HtmlElement
    url: str | None = None

    @cached_property
    def landmarks(self) -> Landmarks:
        """The page's landmarks, walked for when a rule first asks."""
        return walk(self.tree)
