"""``newsarchive export``: the archive in a format replay tools read, chosen by the file's name."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from newsarchive.cli.archives import open_archive
from newsarchive.config import Settings, load_settings
from newsarchive.errors import InputError
from newsarchive.moments import parse_moment


def export(
    target: Annotated[
        Path, typer.Argument(help="the file to write: NAME.warc.gz, NAME.warc or NAME.wacz")
    ],
    outlet: Annotated[str | None, typer.Option(help="only this outlet")] = None,
    captured_since: Annotated[
        str | None,
        typer.Option(help="only captures taken on or after DATE or ISO 8601 time (incremental)"),
    ] = None,
    url: Annotated[
        list[str] | None,
        typer.Option("--url", help="only this article (any form of its URL); repeatable"),
    ] = None,
    urls_from: Annotated[
        Path | None,
        typer.Option(help="only the articles of this file's URLs, one a line ('-': stdin)"),
    ] = None,
    no_gzip: Annotated[
        bool, typer.Option("--no-gzip", help="write plain WARC, not gzip per record")
    ] = False,
) -> None:
    """Export every capture as WARC/1.1 with a CDXJ index beside it, or as a WACZ package."""
    # the WARC, CDXJ and WACZ libraries load only for an export, not for every command
    from newsarchive.storage.export import ExportRequest, export, format_of

    request = ExportRequest(
        outlet=outlet,
        since=parse_moment(captured_since, "--captured-since"),
        urls=(*(url or ()), *_listed(urls_from)),
        gzip=not no_gzip,
        provenance=provenance(load_settings()),
    )
    files = format_of(target).files(target)
    with open_archive() as archive:
        stats = export(archive, target, request)
    beside = "".join(f", index {path}" for path in files[1:])
    typer.echo(
        f"wrote {stats.records} records ({stats.captures} article captures, "
        f"{stats.requisites} requisite fetches, {stats.revisits} of them revisits, "
        f"{stats.bytes} bytes) to {target}{beside}"
    )


def _listed(path: Path | None) -> list[str]:
    """The URLs of a list, one a line; blank lines and ``#`` comments are left out."""
    if path is None:
        return []
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"--urls-from: cannot read {path}: {exc}") from None
    urls = [line.strip() for line in text.splitlines()]
    urls = [line for line in urls if line and not line.startswith("#")]
    if not urls:
        raise InputError(f"--urls-from: {path} lists no URL")
    return urls


def provenance(settings: Settings) -> tuple[tuple[str, str], ...]:
    """Who crawled, and how: the warcinfo fields of an export (WARC 1.1's own names first)."""
    fields = [
        ("operator", settings.operator),
        ("http-header-user-agent", settings.user_agent),
        ("robots", "obey: robots.txt (RFC 9309) of every host, read again after a day"),
        (
            "crawl-settings",
            f"download-timeout {settings.download_timeout}s;"
            f" max-response-size {settings.max_response_size} bytes;"
            f" crawl-deadline {int(settings.crawl_deadline.total_seconds())}s;"
            " per-outlet politeness (download_delay, concurrency) in the outlets file",
        ),
    ]
    return tuple((name, value) for name, value in fields if value)
