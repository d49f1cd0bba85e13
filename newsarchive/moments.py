"""Dates and times as people type them, read one way by every command and the viewer.

A date without a time means the whole day (UTC): the start of a range
(``--since``) is that day's first instant and its end (``--until``) the
day's last, so ``--until 2026-02-24`` keeps what was published on the 24th.
A time without an offset is UTC, as the catalog keeps every time in UTC.
Wayback timestamps (``20260223120000``, or a prefix of one down to the
year) are read too, as the period they name: archivists copy them from
pywb and the Wayback Machine's URLs.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
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
        parsed = wayback_stamp(text, edge) or _whole_day(text, edge) or datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{name}: not a date (YYYY-MM-DD), ISO 8601 date-time or 14-digit timestamp"
            f" (YYYYMMDDhhmmss): {value[:40]!r}"
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


_STAMP = re.compile(r"\d{4}(?:\d\d){0,5}")
_UNITS = (timedelta(days=1), timedelta(hours=1), timedelta(minutes=1), timedelta(seconds=1))


def wayback_stamp(text: str, edge: Edge = Edge.START) -> datetime | None:
    """A Wayback timestamp ``YYYY[MM[DD[hh[mm[ss]]]]]`` as the edge of the period it names.

    None when ``text`` is not all digits; ValueError for digits that name no
    moment (month 13, or an odd count).  ``2026`` starts at 2026-01-01T00:00:00 and,
    with ``Edge.END``, ends at 2026-12-31T23:59:59.999999; a full 14 digits name
    one second.  Naive, in UTC, as a bare date is.
    """
    if not _STAMP.fullmatch(text):
        if text.isdigit():  # digits that are no timestamp are no ISO date to guess at either
            raise ValueError(text)
        return None
    parts = [int(text[:4]), *(int(text[i : i + 2]) for i in range(4, len(text), 2))]
    year, month, day, hour, minute, second = (*parts, *(1, 1, 0, 0, 0)[len(parts) - 1 :])
    start = datetime(year, month, day, hour, minute, second)
    if edge is Edge.START:
        return start
    try:
        if len(parts) == 1:
            after = start.replace(year=start.year + 1)
        elif len(parts) == 2:
            after = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            after = start + _UNITS[len(parts) - 3]
    except (ValueError, OverflowError):  # the period ends with the calendar
        return datetime.max
    return after - timedelta(microseconds=1)
