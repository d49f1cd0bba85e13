"""Reading what a viewer request asks for: the archive, the URL in a path, Wayback timestamps."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi import Request

from newsarchive.errors import InputError
from newsarchive.moments import Edge, wayback_stamp
from newsarchive.storage import ReadOnlyArchive

_STAMPED = re.compile(r"(\d{4,14})/(.+)")
_COLLAPSED_SCHEME = re.compile(r"^(https?):/(?!/)")


def archive_of(request: Request) -> ReadOnlyArchive:
    """The archive the viewer was made over (``create_app`` keeps it in the app's state)."""
    archive: ReadOnlyArchive = request.app.state.archive
    return archive


def target_url(path_url: str, request: Request) -> str:
    """The archived URL written after a route's prefix, with the request's query string.

    ``/memento/20260223093000/https://example.org/a?b=1`` names
    ``https://example.org/a?b=1``: the query belongs to the archived URL.
    Some clients fold ``//`` to ``/`` in paths; the scheme's slashes are restored.
    """
    url = _COLLAPSED_SCHEME.sub(r"\1://", path_url)
    return f"{url}?{request.url.query}" if request.url.query else url


def stamp_time(stamp: str, edge: Edge = Edge.START) -> datetime:
    """A Wayback timestamp (14 digits, or a prefix down to the year) as a UTC time.

    A prefix names the start of its period, as the Wayback Machine reads
    ``/web/2026/...`` (its end with ``Edge.END``, as a CDX query's ``to``
    reads it); InputError for anything else.
    """
    try:
        moment = wayback_stamp(stamp, edge)
    except ValueError:
        moment = None
    if moment is None:
        raise InputError(f"not a timestamp (YYYYMMDDhhmmss, or a prefix of one): {stamp[:40]!r}")
    return moment.replace(tzinfo=UTC)


def stamped_target(path_url: str, request: Request) -> tuple[datetime | None, str]:
    """A TimeGate path as Wayback machines write it, ``{stamp}/{url}``, or a bare ``{url}``."""
    found = _STAMPED.match(path_url)
    if found is None:
        return None, target_url(path_url, request)
    return stamp_time(found[1]), target_url(found[2], request)
