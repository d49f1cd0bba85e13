"""Opening the archive a command works on: read-only for the reading commands.

The storage package is imported when an archive is opened, not with the
CLI: ``crawl`` starts its temporary Prefect server before it needs the
archive, and the sooner the server starts, the sooner a run can begin.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from newsarchive.config import Settings, load_settings

if TYPE_CHECKING:
    from newsarchive.storage import Archive, ReadOnlyArchive


@contextmanager
def open_archive(settings: Settings | None = None) -> Iterator[ReadOnlyArchive]:
    """The archive named by the settings (loaded here when not given), to read.

    Pointing a reading command at the wrong place says so instead of leaving
    an empty catalog behind.
    """
    from newsarchive.storage import ReadOnlyArchive

    settings = settings or load_settings()
    with ReadOnlyArchive.open(settings.database_url, settings.store_url) as archive:
        yield archive


@contextmanager
def open_for_writing(settings: Settings, *, create: bool = True) -> Iterator[Archive]:
    """The archive named by the settings, created if it does not exist yet.

    Without ``create`` it must exist: a command that only works on what is
    archived (``reextract``) says so rather than leaving an empty catalog behind.
    """
    from newsarchive.storage import Archive

    with Archive.open(settings.database_url, settings.store_url, create=create) as archive:
        yield archive
