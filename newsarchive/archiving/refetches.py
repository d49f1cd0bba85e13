"""304 answers filed in group commits (:mod:`groupcommit`).

A conditional refetch answered 304 costs no extraction and no object, only
a fetch row and its article's ``last_seen``.  A 304 not written when the run
dies is simply asked again by the next run: its validators are those of the
last full fetch, unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

from newsarchive.archiving.groupcommit import GroupCommit
from newsarchive.records import Fetch
from newsarchive.storage import Archive

Written = Callable[[Fetch, Exception | None], None]
"""Told about each 304 once it is stored (None) or could not be (the error)."""


class NotModifiedWriter(GroupCommit[Fetch, None]):
    """Writes queued 304s in batches: a fetch row each, and ``last_seen`` moved."""

    def __init__(self, archive: Archive, written: Written) -> None:
        super().__init__()
        self.archive = archive
        self.tell = written

    def write_batch(self, batch: list[Fetch]) -> list[None]:
        self.archive.record_not_modified(batch)
        return [None] * len(batch)

    def write_alone(self, item: Fetch) -> None:
        try:
            self.archive.record_fetch(item)
        except Exception as exc:
            self.tell(item, exc)
        else:
            self.tell(item, None)

    def written(self, item: Fetch, result: None) -> None:
        self.tell(item, None)
