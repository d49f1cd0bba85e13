"""``newsarchive export``: the archive as a WARC file and its CDXJ index, for archivists."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Annotated

import typer

from newsarchive.cli.archive_cmds import open_archive
from newsarchive.cli.output import parse_when
from newsarchive.errors import InputError
from newsarchive.storage.warc import cdxj_lines, write_warc

_CREATED_MODE = 0o666  # what open() asks for; the umask then takes its share


def export(
    warc_file: Annotated[Path, typer.Argument(help="the WARC file to write (.warc.gz)")],
    outlet: Annotated[str | None, typer.Option(help="only this outlet")] = None,
    since: Annotated[
        str | None, typer.Option(help="only versions fetched at or after (ISO 8601)")
    ] = None,
    no_gzip: Annotated[
        bool, typer.Option("--no-gzip", help="write plain WARC, not gzip per record")
    ] = False,
) -> None:
    """Export every archived version as WARC/1.1, with a CDXJ index beside it."""
    since_at = parse_when(since, "--since")
    index_file = warc_file.with_name(f"{warc_file.name}.cdxj")
    for target in (warc_file, index_file):
        if target.exists():
            raise InputError(f"{target} already exists; choose another name or remove it")
    if not warc_file.parent.is_dir():
        raise InputError(f"{warc_file.parent} is not a directory")
    with (
        open_archive() as archive,
        _renamed_when_done(warc_file) as warc,
        _renamed_when_done(index_file) as index,
    ):
        stats = write_warc(
            archive, warc, outlet=outlet, since=since_at, gzip=not no_gzip, filename=warc_file.name
        )
        index.writelines(f"{line}\n".encode() for line in cdxj_lines(stats, warc_file.name))
    typer.echo(
        f"wrote {stats.records} records ({stats.versions} versions, {stats.bytes} bytes) "
        f"to {warc_file}, index {index_file}"
    )


@contextmanager
def _renamed_when_done(target: Path) -> Iterator[IO[bytes]]:
    """A hidden file beside ``target``, renamed to it only if the export succeeds.

    A failed or empty export thus leaves no file behind that an archivist
    could mistake for a complete WARC or index.
    """
    descriptor, name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part"
    )
    partial = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
        partial.chmod(_CREATED_MODE & ~_umask())  # mkstemp's 0600 is for the partial file only
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)


def _umask() -> int:
    """The process umask, which can only be read by setting it (and setting it back)."""
    current = os.umask(0)
    os.umask(current)
    return current
