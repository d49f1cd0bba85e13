"""``newsarchive export``: the archive as a WARC file and its CDXJ index, or as one WACZ file."""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from newsarchive.cli.archive_cmds import open_archive
from newsarchive.cli.output import parse_when
from newsarchive.errors import InputError

if TYPE_CHECKING:
    from newsarchive.storage.warc import ExportStats

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
    index_file = target.with_name(_index_name(target))
    for existing in (target, *([] if as_wacz else [index_file])):
        if existing.exists():
            raise InputError(f"{existing} already exists; choose another name or remove it")
    if not target.parent.is_dir():
        raise InputError(f"{target.parent} is not a directory")
    try:
        stats = _write_export(target, outlet=outlet, since=since_at, gzip=not no_gzip)
    except OSError as exc:  # no space left, a folder we may not write in
        raise InputError(f"cannot write {target}: {exc.strerror}") from None
    beside = "" if as_wacz else f", index {index_file}"
    typer.echo(
        f"wrote {stats.records} records ({stats.captures} article captures, "
        f"{stats.requisites} requisite fetches, {stats.revisits} of them revisits, "
        f"{stats.bytes} bytes) to {target}{beside}"
    )


def _write_export(
    target: Path, *, outlet: str | None, since: datetime | None, gzip: bool
) -> ExportStats:
    """Write the export in a hidden folder beside the target, renamed into place when complete.

    A failed or empty export so leaves no file an archivist could mistake
    for a whole WARC, index or WACZ.
    """
    # the WARC, CDXJ and WACZ libraries load only for an export, not for every command
    from newsarchive.storage.cdxj import write_cdxj
    from newsarchive.storage.waczfile import write_wacz
    from newsarchive.storage.warc import write_warc

    as_wacz = target.suffix == ".wacz"
    with (
        open_archive() as archive,
        tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.name}.") as work,
    ):
        warc = Path(work) / (f"{target.stem}.warc.gz" if as_wacz else target.name)
        with warc.open("wb") as out:
            stats = write_warc(
                archive, out, outlet=outlet, since=since, gzip=gzip, filename=warc.name
            )
        if as_wacz:
            package = Path(work) / target.name
            write_wacz(warc, stats.pages, package, title=f"newsarchive export {target.stem}")
            _publish(package, target)
        else:
            index = Path(work) / _index_name(target)
            with index.open("w", encoding="utf-8") as lines:
                write_cdxj(warc, lines, filename=target.name)
            _publish(warc, target)
            _publish(index, target.with_name(index.name))
    return stats


def _index_name(target: Path) -> str:
    return f"{target.name}.cdxj"


def _publish(done: Path, target: Path) -> None:
    """Move a finished file into place, readable like any file the user creates."""
    done.chmod(_CREATED_MODE & ~_umask())  # temporary files are private until complete
    done.rename(target)


def _umask() -> int:
    """The process umask, which can only be read by setting it (and setting it back)."""
    current = os.umask(0)
    os.umask(current)
    return current
