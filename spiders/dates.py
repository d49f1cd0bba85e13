"""Dates as feeds and sitemaps write them, read leniently into aware UTC datetimes.

A malformed date in a feed is evidence lost, not a reason to drop the
article, so the parsers answer ``None`` instead of raising; so does a date
with no UTC instant (year 1 at +14:00).  Naive dates are taken as UTC, the
convention of W3C datetime without offset.  A year is read as written:
``email.utils`` takes any year below 100 for a two-digit one (``0001`` becomes
2001), which RFC 5322 allows only for a year written in two digits.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime

from newsarchive.records import in_utc

# A four-digit year below 100 ("0001"), standing alone: not part of a time or an offset.
_EARLY_YEAR = re.compile(r"(?<![\d:+-])00\d\d(?![\d:])")


def parse_rfc822(text: str | None) -> datetime | None:
    """RSS 2.0 ``pubDate`` (``Mon, 23 Feb 2026 10:00:00 +0300``)."""
    if not text or not text.strip():
        return None
    try:
        parsed = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return parse_iso(text)  # some feeds put ISO dates in pubDate
    written = _EARLY_YEAR.search(text)
    if written is not None and parsed.year % 100 == int(written.group()):
        try:
            parsed = parsed.replace(year=int(written.group()))
        except ValueError:
            return None  # 29 February of a year that had none
    return in_utc(parsed)


def parse_iso(text: str | None) -> datetime | None:
    """Atom, sitemap ``lastmod`` and ``news:publication_date`` (W3C datetime)."""
    if not text or not text.strip():
        return None
    value = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return in_utc(parsed)
