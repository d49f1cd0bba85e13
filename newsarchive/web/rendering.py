"""Templates and the small formatting helpers they use; everything printed is escaped.

Jinja2's autoescape is switched on for every template, whatever its name,
so a headline, a URL or a search query carrying markup is shown as text.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from jinja2 import Environment, FileSystemLoader

from newsarchive.storage import CaptureInfo, memento_stamp

HERE = Path(__file__).parent
STATIC = HERE / "static"

_environment = Environment(
    loader=FileSystemLoader(HERE / "templates"), autoescape=True, trim_blocks=True
)


def when(value: datetime | str | None) -> str:
    """A timestamp as archivists read it (UTC, to the second), or a dash."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value.tzinfo else value.isoformat()


def published_on(value: datetime | None) -> str:
    """A publication date: the day alone where the source gave no time of day.

    A source that gives only a date (``2021-03-23``) is filed at midnight UTC;
    a time of exactly midnight says nothing beyond the date, and printing
    ``00:00:00 UTC`` would claim a precision the source never had.
    """
    if value is not None and value.tzinfo and value.astimezone(UTC).time() == time.min:
        return value.strftime("%Y-%m-%d")
    return when(value)


def link(path: str, **params: Any) -> str:
    """A viewer URL with its query parameters encoded (``None`` values left out)."""
    kept = {key: value for key, value in params.items() if value not in (None, "", False)}
    return f"{path}?{urlencode(kept)}" if kept else path


def gone(capture: CaptureInfo) -> str:
    """``gone since <time>, HTTP 410`` (``, to <URL>`` for a redirect), times as :func:`when`."""
    moved = f", to {capture.location}" if capture.location else ""
    return f"gone since {when(capture.gone_since)}, HTTP {capture.status}{moved}"


def capture_path(kind: str, url: str, at: datetime) -> str:
    """``/capture/{stamp}/{url}`` or ``/memento/{stamp}/{url}`` of one capture."""
    return f"/{kind}/{memento_stamp(at)}/{quote(url, safe=':/?&=%#;,+@')}"


_environment.filters["when"] = when
_environment.filters["gone"] = gone
_environment.filters["published_on"] = published_on
_environment.globals.update(link=link, capture_path=capture_path)


def render(template: str, request: Request, /, **context: Any) -> str:
    """The template called ``template`` filled with ``context``."""
    return _environment.get_template(template).render(request=request, **context)
