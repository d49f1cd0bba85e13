"""Reading what a viewer URL asks for: the archived URL in a path, 14-digit timestamps."""

from __future__ import annotations

import re
from datetime import UTC, datetime

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
