"""National daily (Korea JoongAng Daily): a ``<br>``-separated body with furniture inside.

The body is one ``div`` of text lines separated by ``<br>``, holding the lead
photo (its caption repeats the image's alt text), an in-body "Related
Article" box, and, as its last line, the byline: a wire agency ("Yonhap") or
"BY NAME [email]".  With no markup around it the byline reads as a closing
paragraph, so the profile takes it out of the text and makes it the author.
"""

from __future__ import annotations

import re

from newsarchive.extraction.profile import Profile, has_class, xpaths

# Agencies credited on their own line at the end of the story.
AGENCY_BYLINES = frozenset({"Yonhap", "AP", "AFP", "Reuters", "Bloomberg", "Xinhua", "Kyodo"})
_STAFF_BYLINE = re.compile(
    r"^(?:BY\s+)?(?P<names>[A-Z][A-Z .'\-]+(?:,\s*[A-Z][A-Z .'\-]+)*)\s*\[[^\]\s]+@[^\]\s]+\]$"
)


def joongang_byline(last_paragraph: str) -> str | None:
    """ "Yonhap" or "BY LEE SUNG-EUN [lee.sungeun@joongang.co.kr]" -> the author's name."""
    if last_paragraph in AGENCY_BYLINES:
        return last_paragraph
    match = _STAFF_BYLINE.match(last_paragraph)
    return match["names"].strip() if match else None


JOONGANG = Profile(
    name="joongang",
    description="Korea JoongAng Daily and national dailies built like it",
    prune=xpaths(
        f"//div[{has_class('ab_photo')}]",
        "//div[./*[normalize-space() = 'Related Article']]",
        f"//div[{has_class('article-date-info')}]",
        "//figcaption",
    ),
    closing_byline=joongang_byline,
)
