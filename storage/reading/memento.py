"""Memento (RFC 7089) in words the protocol uses: URIs, datetimes and link-format TimeMaps.

The same TimeMap is printed by ``newsarchive timemap`` and served by the
viewer at ``/timemap/link/{url}``, so both name mementos by the viewer's
Wayback-style routes under one base URL:

* ``{base}/timemap/link/{url}``: the TimeMap (``application/link-format``);
* ``{base}/timegate/{url}``: the TimeGate, negotiating on ``Accept-Datetime``;
* ``{base}/memento/{14-digit UTC timestamp}/{url}``: one capture's bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from newsarchive.errors import InputError
from newsarchive.storage.reading.captures import memento_stamp
from newsarchive.storage.results import CaptureInfo

LINK_FORMAT = "application/link-format"


def http_date(when: datetime) -> str:
    """RFC 7231 IMF-fixdate, the form of ``Memento-Datetime`` and link ``datetime``."""
    return format_datetime(when.astimezone(UTC), usegmt=True)


def parse_http_date(value: str) -> datetime:
    """An ``Accept-Datetime`` value; InputError when it is no RFC 1123 date."""
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        raise InputError(f"Accept-Datetime is not an HTTP date: {value[:80]!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def memento_uri(base: str, url: str, when: datetime) -> str:
    return f"{base}/memento/{memento_stamp(when)}/{url}"


def timemap_uri(base: str, url: str) -> str:
    return f"{base}/timemap/link/{url}"


def timegate_uri(base: str, url: str) -> str:
    return f"{base}/timegate/{url}"


def timemap(base: str, original: str, found: list[CaptureInfo]) -> str:
    """The link-format TimeMap of ``original``: its captures, oldest first."""
    base = base.rstrip("/")
    first, last = found[0].fetched_at, found[-1].fetched_at
    span = f'; from="{http_date(first)}"; until="{http_date(last)}"'
    links = [
        f'<{original}>; rel="original"',
        f'<{timemap_uri(base, original)}>; rel="self"; type="{LINK_FORMAT}"{span}',
        f'<{timemap_uri(base, original)}>; rel="timemap"; type="{LINK_FORMAT}"',
        f'<{timegate_uri(base, original)}>; rel="timegate"',
        *(
            f'<{memento_uri(base, original, c.fetched_at)}>; rel="memento"; '
            f'datetime="{http_date(c.fetched_at)}"'
            for c in found
        ),
    ]
    return ",\n".join(links) + "\n"


def memento_links(base: str, original: str, at: CaptureInfo) -> str:
    """The ``Link`` header of one memento: its original, TimeGate, TimeMap and itself."""
    base = base.rstrip("/")
    links = [
        f'<{original}>; rel="original"',
        f'<{timegate_uri(base, original)}>; rel="timegate"',
        f'<{timemap_uri(base, original)}>; rel="timemap"; type="{LINK_FORMAT}"',
        f'<{memento_uri(base, original, at.fetched_at)}>; rel="memento"; '
        f'datetime="{http_date(at.fetched_at)}"',
    ]
    return ", ".join(links)
