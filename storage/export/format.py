"""What an export format is: the file names that choose it, the files it makes, how to write them.

Kept apart from the registry so that each format's module can describe
itself without importing the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from newsarchive.storage.reader import ReadOnlyArchive


@dataclass(frozen=True, slots=True)
class ExportedPage:
    """An article page written as a response: what a WACZ page list names."""

    url: str
    captured_at: datetime
    title: str | None
    text: str = ""  # the cleaned text, so that the reader's search finds the page by its words


@dataclass(frozen=True, slots=True)
class ExportStats:
    """What an export wrote: counts for the summary line, and the pages it holds."""

    records: int
    captures: int
    revisits: int
    requisites: int
    bytes: int
    pages: tuple[ExportedPage, ...]


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """Which captures to export, and how: the options every format shares."""

    outlet: str | None = None  # only this outlet's captures
    since: datetime | None = None  # only captures taken at or after
    urls: tuple[str, ...] = ()  # only these articles' captures (any form of their URLs)
    provenance: tuple[tuple[str, str], ...] = ()  # warcinfo fields: operator, user agent ...
    gzip: bool = True  # each WARC record a gzip member of its own, as replay tools expect


Write = Callable[[ReadOnlyArchive, ExportRequest, Path, str], ExportStats]
"""Write the export of the given file name into a folder, the files beside it too."""


@dataclass(frozen=True, slots=True)
class ExportFormat:
    """One export format: chosen by the end of the target's name."""

    name: str
    suffixes: tuple[str, ...]  # the name endings that choose this format
    write: Write
    beside: tuple[str, ...] = ()  # what is appended to the target's name for files beside it

    def files(self, target: Path) -> list[Path]:
        """Every file an export to ``target`` makes: the target, then what goes beside it."""
        return [target, *(target.with_name(target.name + ending) for ending in self.beside)]
