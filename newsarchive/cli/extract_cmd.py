"""``newsarchive extract``: extraction alone, on files already on disk."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from newsarchive.cli.output import echo_json
from newsarchive.errors import InputError, NewsarchiveError
from newsarchive.extraction import extract as run_extraction
from newsarchive.extraction import extraction_to_json, get_profile


def extract(
    files: Annotated[list[Path], typer.Argument(help="HTML files as fetched")],
    url: Annotated[
        str | None, typer.Option(help="the page's URL (resolves links, picks dates)")
    ] = None,
    profile: Annotated[str, typer.Option(help="extraction profile")] = "generic",
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
) -> None:
    """Extract title, dates and body text from saved HTML pages.

    Each file is handled on its own: a bad one is reported on stderr and the
    others are still extracted; the exit code is 2 if any file failed.
    """
    get_profile(profile)  # an unknown profile is refused before any file is read
    failed = 0
    for path in files:
        try:
            body = _read(path)
            result = extraction_to_json(run_extraction(body, url=url, profile=profile))
        except NewsarchiveError as exc:
            failed += 1
            typer.echo(f"newsarchive: {path}: {exc}", err=True)
            continue
        record = {"path": str(path), **result}
        if as_json:
            echo_json(record)
        else:
            _echo_human(record)
    if failed:
        sys.exit(2)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except IsADirectoryError:
        raise InputError("is a directory") from None
    except FileNotFoundError:
        raise InputError("no such file") from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}") from None


def _echo_human(record: dict[str, object]) -> None:
    for key in ("path", "url", "title", "published", "modified", "author", "language"):
        typer.echo(f"{key + ':':<11}{record.get(key) or '-'}")
    typer.echo(
        f"{'profile:':<11}{record['profile']} (date from {record.get('date_source') or '-'})"
    )
    typer.echo("")
    typer.echo(str(record["text"]))
    typer.echo("")
