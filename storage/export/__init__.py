"""Exports in the formats web archives exchange, the format chosen by the file's name.

Each format is one module holding one :class:`ExportFormat`: ``warc`` (a
WARC/1.1 file and its CDXJ index beside it) and ``wacz`` (one WACZ
package).  :data:`FORMATS` lists them; a new format is one module and one
entry there.  :func:`export` writes a format's files in a hidden folder
beside the target and moves them into place only when all are complete, so
a failed or empty export leaves no file an archivist could mistake for a
whole one; the folder a killed export left behind goes at the next export
to the same target.

The WARC, CDXJ and WACZ libraries load with this package: the commands
that do not export never import it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import tempfile
from pathlib import Path

from newsarchive.errors import InputError
from newsarchive.storage.export import wacz, warc
from newsarchive.storage.export.format import ExportFormat, ExportRequest, ExportStats
from newsarchive.storage.reader import ReadOnlyArchive

FORMATS: tuple[ExportFormat, ...] = (warc.FORMAT, wacz.FORMAT)
"""Every export format, each chosen by the endings of its :attr:`ExportFormat.suffixes`."""

_CREATED_MODE = 0o666  # what open() asks for; the umask then takes its share


def format_of(target: Path) -> ExportFormat:
    """The format a file name asks for; InputError naming the known endings otherwise."""
    for candidate in FORMATS:
        if target.name.endswith(candidate.suffixes) and target.name not in candidate.suffixes:
            return candidate
    endings = ", ".join(f"NAME{suffix}" for f in FORMATS for suffix in f.suffixes)
    raise InputError(f"{target.name}: an export file is named {endings}")


def export(archive: ReadOnlyArchive, target: Path, request: ExportRequest) -> ExportStats:
    """Export the selected captures to ``target`` in the format its name asks for."""
    chosen = format_of(target)
    files = chosen.files(target)
    for existing in files:
        if existing.exists():
            raise InputError(f"{existing} already exists; choose another name or remove it")
    if not target.parent.is_dir():
        raise InputError(f"{target.parent} is not a directory")
    try:
        _remove_abandoned(target)
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=_work_prefix(target)) as work:
            stats = chosen.write(archive, request, Path(work), target.name)
            for made in files:
                _publish(Path(work) / made.name, made)
    except OSError as exc:  # no space left, a folder we may not write in
        raise InputError(f"cannot write {target}: {exc.strerror}") from None
    return stats


def _work_prefix(target: Path, pid: int | None = None) -> str:
    """The hidden folder's name before its random part: the target's, and who writes it."""
    return f".{target.name}.{os.getpid() if pid is None else pid}@{socket.gethostname()}."


def _remove_abandoned(target: Path) -> None:
    """Remove the hidden folders of earlier exports to ``target`` that were killed.

    A killed export cannot remove its own folder, and the partial files in
    it can be large.  A folder is abandoned when the process that wrote it
    is gone; one written on another host, or by a live process (a pid
    reused since counts as live), is left alone.
    """
    start = f".{target.name}."
    for folder in target.parent.glob(f"{glob.escape(start)}*@*"):
        owner = folder.name.removeprefix(start).partition("@")[0]
        if not owner.isdigit():
            continue
        pid = int(owner)
        if folder.name.startswith(_work_prefix(target, pid)) and not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    """Whether a process of this host has ``pid`` (signal 0 asks without sending one)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _publish(done: Path, target: Path) -> None:
    """Move a finished file into place, readable like any file the user creates."""
    done.chmod(_CREATED_MODE & ~_umask())  # temporary files are private until complete
    done.rename(target)


def _umask() -> int:
    """The process umask, which can only be read by setting it (and setting it back)."""
    current = os.umask(0)
    os.umask(current)
    return current


__all__ = ["FORMATS", "ExportFormat", "ExportRequest", "ExportStats", "export", "format_of"]
