"""``newsarchive export``: the archive as a WARC file and its CDXJ index, or as one WACZ file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from newsarchive.cli.archive_cmds import open_archive
from newsarchive.cli.output import parse_when
from newsarchive.errors import InputError
from newsarchive.storage.cdxj import write_cdxj
from newsarchive.storage.waczfile import write_wacz
from newsarchive.storage.warc import write_warc

_CREATED_MODE = 0o666  # what open() asks for; the umask then takes its share


def export(
    target: Annotated[
        Path, typer.Argument(help="the file to write: NAME.warc.gz, NAME.warc or NAME.wacz")
    ],
    outlet: Annotated[str | None, typer.Option(help="only this outlet")] = None,
    since: Annotated[
        str | None, typer.Option(help="only captures taken at or after (ISO 8601)")
    ] = None,
    no_gzip: Annotated[
        bool, typer.Option("--no-gzip", help="write plain WARC, not gzip per record")
    ] = False,
) -> None:
    """Export every capture as WARC/1.1 with a CDXJ index beside it, or as a WACZ package."""
    since_at = parse_when(since, "--since")
    as_wacz = target.suffix == ".wacz"
    if as_wacz and no_gzip:
        raise InputError("--no-gzip applies to WARC files; a WACZ always holds a gzipped WARC")
    index_file = target.with_name(f"{target.name}.cdxj")
    for existing in (target, *([] if as_wacz else [index_file])):
        if existing.exists():
            raise InputError(f"{existing} already exists; choose another name or remove it")
    if not target.parent.is_dir():
        raise InputError(f"{target.parent} is not a directory")
    # Everything is written in a hidden folder beside the target and renamed
    # into place only when complete, so a failed or empty export leaves no
    # file an archivist could mistake for a whole WARC, index or WACZ.
    with (
        open_archive() as archive,
        tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.name}.") as work,
    ):
        warc = Path(work) / (f"{target.stem}.warc.gz" if as_wacz else target.name)
        with warc.open("wb") as out:
            stats = write_warc(
                archive, out, outlet=outlet, since=since_at, gzip=not no_gzip, filename=warc.name
            )
        if as_wacz:
            package = Path(work) / target.name
            write_wacz(warc, stats.pages, package, title=f"newsarchive export {target.stem}")
            _publish(package, target)
        else:
            index = Path(work) / index_file.name
            with index.open("w", encoding="utf-8") as lines:
                write_cdxj(warc, lines, filename=target.name)
            _publish(warc, target)
            _publish(index, index_file)
    beside = "" if as_wacz else f", index {index_file}"
    typer.echo(
        f"wrote {stats.records} records ({stats.captures} article captures, "
        f"{stats.requisites} requisite fetches, {stats.revisits} of them revisits, "
        f"{stats.bytes} bytes) to {target}{beside}"
    )


def _publish(done: Path, target: Path) -> None:
    """Move a finished file into place, readable like any file the user creates."""
    done.chmod(_CREATED_MODE & ~_umask())  # temporary files are private until complete
    done.rename(target)


def _umask() -> int:
    """The process umask, which can only be read by setting it (and setting it back)."""
    current = os.umask(0)
    os.umask(current)
    return current
