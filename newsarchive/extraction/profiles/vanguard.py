"""Regional WordPress paper (Vanguard, Nigeria) republishing wire copy.

Share bars ("Kindly Share This Story:") open and close the entry content and
a related-posts plugin drops its list between paragraphs.  Wire stories end
with the credit in parentheses, "(Xinhua/NAN)": the agencies that published
first, which the archive records as the original source.
"""

from __future__ import annotations

import re

from newsarchive.extraction.page import Page
from newsarchive.extraction.profile import Profile, Syndication, has_class, xpaths

# Agencies whose credit closes republished copy; a closing parenthesis is a
# wire credit only when every part of it is one of these.
WIRE_AGENCIES = frozenset(
    {"NAN", "Xinhua", "Reuters", "AFP", "AP", "dpa", "Anadolu", "Bloomberg", "PR Nigeria", "WAFA"}
)
_CLOSING_CREDIT = re.compile(r"\(([^()]{2,60})\)\s*$")


def wire_credit(page: Page, text: str) -> Syndication | None:
    """The "(Xinhua/NAN)" credit that ends wire copy, as the original source."""
    match = _CLOSING_CREDIT.search(text.rstrip())
    if match is None:
        return None
    parts = [part.strip() for part in match.group(1).split("/")]
    return Syndication(source=match.group(1).strip()) if set(parts) <= WIRE_AGENCIES else None


VANGUARD = Profile(
    name="vanguard",
    description="Vanguard and WordPress news sites carrying wire copy",
    prune=xpaths(
        f"//div[{has_class('social-share-block')}]",
        f"//div[{has_class('rp4wp-related-posts')}]",
        f"//div[{has_class('ad-slot')}]",
        "//figcaption",
    ),
    syndication=wire_credit,
)
