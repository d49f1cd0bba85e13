"""International state media (Sputnik): lead in an announce block, cards between blocks.

The article body is a series of typed blocks (text, quote, embedded related
article).  The lead paragraph sits in the header next to the headline, where
trafilatura treats it as a teaser and drops it; embedded related-article cards
carry their own date line ("31 December 2024, 12:00 GMT") that must not leak
into the text.  A "listen to the article" widget holds the text blocks again,
run together without separators, for text-to-speech.
"""

from __future__ import annotations

from lxml import etree

from newsarchive.extraction.page import Page
from newsarchive.extraction.profile import Profile, has_class, xpaths

_ANNOUNCE = etree.XPath(f"//div[{has_class('article__announce-text')}]")


def announce_lead(page: Page) -> str | None:
    """The lead paragraph printed under the headline in the announce block."""
    nodes = _ANNOUNCE(page.tree)
    text = " ".join(nodes[0].text_content().split()) if nodes else ""
    return text or None


SPUTNIK = Profile(
    name="sputnik",
    description="Sputnik and other RIA-platform state media sites",
    prune=xpaths(
        f"//div[{has_class('article__block')}][@data-type='article']",
        f"//div[{has_class('article__info')}]",
        f"//div[{has_class('media__copyright')}]",
        f"//div[{has_class('article__announce-text')}]",
        f"//div[{has_class('article__speech')}]",
    ),
    lead=announce_lead,
)
