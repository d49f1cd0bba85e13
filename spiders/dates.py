"""Dates as feeds and sitemaps write them, read leniently into aware UTC datetimes.

A malformed date in a feed is evidence lost, not a reason to drop the
article, so the parsers answer ``None`` instead of raising.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def _aware(value: datetime) -> datetime:
    """Naive dates are taken as UTC, the convention of W3C datetime without offset."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_rfc822(text: str | None) -> datetime | None:
    """RSS 2.0 ``pubDate`` (``Mon, 23 Feb 2026 10:00:00 +0300``)."""
    if not text or not text.strip():
        return None
    try:
        return _aware(parsedate_to_datetime(text.strip()))
    except (TypeError, ValueError, IndexError):
        return parse_iso(text)  # some feeds put ISO dates in pubDate


def parse_iso(text: str | None) -> datetime | None:
    """Atom, sitemap ``lastmod`` and ``news:publication_date`` (W3C datetime)."""
    if not text or not text.strip():
        return None
    value = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        return _aware(datetime.fromisoformat(value))
    except ValueError:
        return None
