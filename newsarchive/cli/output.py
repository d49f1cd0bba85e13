"""Small helpers for what commands print and the values they parse."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import typer

from newsarchive.errors import InputError


def _default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def echo_json(obj: dict[str, Any]) -> None:
    """Print one JSON object on one line (JSON Lines), non-ASCII kept readable."""
    typer.echo(json.dumps(obj, ensure_ascii=False, default=_default))


def write_file(path: Path, data: bytes) -> None:
    """Write what a command produced to the user's chosen file, failing in one line."""
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from None


def iso(value: datetime | None) -> str | None:
    """ISO 8601 text of a date-time, or None."""
    return value.isoformat() if value else None
