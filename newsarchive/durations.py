"""Durations as operators write them: ``90s``, ``15m``, ``6h``, ``3d``.

The outlets file and the settings share one reading of them, so that a
gap written in either means the same; a plain number is seconds.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: object) -> object:
    """``"90s"``, ``"15m"``, ``"6h"``, ``"3d"`` (or a number of seconds) as a timedelta.

    Anything else that is not a string is left for pydantic to refuse with
    its own message.
    """
    if isinstance(value, str):
        found = _DURATION.match(value)
        if not found:
            raise ValueError(f"not a duration like '90s', '15m', '6h' or '3d': {value!r}")
        return timedelta(seconds=float(found[1]) * _UNIT_SECONDS[found[2]])
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    return value


def duration_text(value: timedelta) -> str:
    """The shortest of ``3d``, ``6h``, ``15m``, ``90s`` that says ``value`` exactly."""
    seconds = value.total_seconds()
    for unit in ("d", "h", "m"):
        if seconds and seconds % _UNIT_SECONDS[unit] == 0:
            return f"{seconds / _UNIT_SECONDS[unit]:g}{unit}"
    return f"{seconds:g}s"


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(duration_text, when_used="json"),
]
"""A timedelta read from an operator's duration and written back the same way."""
