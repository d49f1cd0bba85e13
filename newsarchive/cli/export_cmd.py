"""``newsarchive export``: the archive in a format replay tools read, chosen by the file's name."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsarchive.cli.archives import open_archive
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
    no_gzip: Annotated[
        bool, typer.Option("--no-gzip", help="write plain WARC, not gzip per record")
    ] = False,
) -> None:
    """Export every capture as WARC/1.1 with a CDXJ index beside it, or as a WACZ package."""
    # the WARC, CDXJ and WACZ libraries load only for an export, not for every command
    from newsarchive.storage.export import ExportRequest, export, format_of

    request = ExportRequest(
        outlet=outlet, since=parse_moment(captured_since, "--captured-since"), gzip=not no_gzip
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
