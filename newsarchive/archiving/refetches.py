"""304 answers filed in group commits: one catalog transaction for all that arrived meanwhile.

A conditional refetch answered 304 costs no extraction and no object, only
a fetch row and its article's ``last_seen``; given a write transaction each,
a recrawl's storage threads spent their time queueing for the catalog's
write lock.  Here the thread that finds no batch being written becomes the
writer: it writes everything queued so far in one transaction, then what
arrived while it wrote, until nothing is left, and the other threads go
back to work at once.  Nobody waits for a batch to fill, so a lone 304 is
written as soon as it comes, as before, while a burst takes few
transactions; one batch is written at a time and no transaction stays open
between batches.

The guarantees stay those of one write per 304: a 304 is counted in the
report only once its batch is committed; a 304 not written when the run
dies is simply asked again by the next run (its validators are those of the
last full fetch, unchanged); and when a batch fails, each of its 304s is
written on its own, so one that cannot be stored fails alone, with its reason.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from newsarchive.records import Fetch
from newsarchive.storage import Archive

BATCH_MAX = 500  # 304s per transaction at most, so that one stays short

Written = Callable[[Fetch, Exception | None], None]
"""Told about each 304 once it is stored (None) or could not be (the error)."""


@dataclass
class NotModifiedWriter:
    """Writes queued 304s in batches, on whichever adding thread finds none being written."""

    archive: Archive
    written: Written
    _queue: list[Fetch] = field(default_factory=list)
    _writing: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, fetch: Fetch) -> None:
        """Queue one 304; unless a batch is being written, write the queue (this one included)."""
        with self._lock:
            self._queue.append(fetch)
            if self._writing:
                return  # the writer takes it with its next batch
            self._writing = True
        try:
            while batch := self._take():
                self._write(batch)
        except BaseException:
            with self._lock:
                self._writing = False
            raise

    def _take(self) -> list[Fetch]:
        """The next batch; an empty one ends this thread's turn as the writer.

        Both under one lock, so a 304 is either taken here or sees no writer
        and writes itself: none is left behind.
        """
        with self._lock:
            batch, self._queue = self._queue[:BATCH_MAX], self._queue[BATCH_MAX:]
            self._writing = bool(batch)
            return batch

    def _write(self, batch: list[Fetch]) -> None:
        try:
            self.archive.record_not_modified(batch)
        except Exception:  # each on its own: one that cannot be stored fails alone
            for fetch in batch:
                try:
                    self.archive.record_fetch(fetch)
                except Exception as exc:
                    self.written(fetch, exc)
                else:
                    self.written(fetch, None)
            return
        for fetch in batch:
            self.written(fetch, None)
