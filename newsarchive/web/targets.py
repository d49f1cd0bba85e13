"""Reading what a viewer URL asks for: the archived URL in a path, dates, 14-digit timestamps."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

from fastapi import Request

from newsarchive.errors import InputError
from newsarchive.storage import MEMENTO_STAMP

_STAMP = re.compile(r"\d{14}")
_COLLAPSED_SCHEME = re.compile(r"^(https?):/(?!/)")


def target_url(path_url: str, request: Request) -> str:
    """The archived URL written after a route's prefix, with the request's query string.

    ``/memento/20260223093000/https://example.org/a?b=1`` names
    ``https://example.org/a?b=1``: the query belongs to the archived URL.
    Some clients fold ``//`` to ``/`` in paths; the scheme's slashes are restored.
    """
    url = _COLLAPSED_SCHEME.sub(r"\1://", path_url)
    return f"{url}?{request.url.query}" if request.url.query else url


def stamp_time(stamp: str) -> datetime:
    """A 14-digit UTC timestamp as a time; InputError for anything else."""
    if not _STAMP.fullmatch(stamp):
        raise InputError(f"not a 14-digit timestamp (YYYYMMDDhhmmss): {stamp[:40]!r}")
    try:
        return datetime.strptime(stamp, MEMENTO_STAMP).replace(tzinfo=UTC)
    except ValueError:
        raise InputError(f"not a valid moment: {stamp}") from None


def day_or_time(value: str | None, name: str, *, end_of_day: bool = False) -> datetime | None:
    """A form's date (``YYYY-MM-DD``) or ISO 8601 time, UTC when no offset is given."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(
            f"{name}: not a date (YYYY-MM-DD) or ISO 8601 time: {value[:40]!r}"
        ) from None
    if end_of_day and len(value.strip()) == 10:
        parsed = datetime.combine(parsed.date(), time.max)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
