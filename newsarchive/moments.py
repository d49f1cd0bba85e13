"""Dates and times as people type them, read one way by every command and the viewer.

A date without a time means the whole day (UTC): the start of a range
(``--since``) is that day's first instant and its end (``--until``) the
day's last, so ``--until 2026-02-24`` keeps what was published on the 24th.
A time without an offset is UTC, as the catalog keeps every time in UTC.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import Enum

from newsarchive.errors import InputError
from newsarchive.records import in_utc


class Edge(Enum):
    """Which end of a range a bare date stands for; a moment (``--at``) is the day's start."""

    START = time.min
    END = time.max


def parse_moment(value: str | None, name: str, edge: Edge = Edge.START) -> datetime | None:
    """``value`` as an aware UTC time (None when not given); InputError in one line otherwise.

    ``name`` is the option or field, for the message.  A bare date is the
    first instant of that day, or with ``Edge.END`` its last.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        parsed = _whole_day(text, edge) or datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{name}: not a date (YYYY-MM-DD) or ISO 8601 date-time: {value[:40]!r}"
        ) from None
    instant = in_utc(parsed)
    if instant is None:
        raise InputError(f"{name}: out of the calendar's range in UTC: {value[:40]!r}")
    return instant


def _whole_day(text: str, edge: Edge) -> datetime | None:
    """The edge of the day a bare date names; None when ``text`` has a time."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return datetime.combine(day, edge.value)
