"""Catalog writes in group commits: one transaction for everything that queued meanwhile.

Given a write transaction each, a crawl's storage threads spend their time
queueing for the catalog's write lock, and each transaction's own cost
(begin, commit, a connection from the pool) is paid per page.  Here the
thread that finds no batch being written becomes the writer: it writes
everything queued so far in one transaction, then what arrived while it
wrote, until nothing is left, and the other threads go back to work at once.
Nobody waits for a batch to fill, so a lone item is written as soon as it
comes, while a burst takes few transactions; one batch is written at a time
and no transaction stays open between batches.

The queue is bounded: when the writer falls behind, adding threads wait for
room, which holds back whoever feeds them (a crawl's fetches, and so Scrapy).
Unbounded, a catalog slower than the network let a queue of pages grow with
the length of the crawl.  Items weigh what they hold: a page with its body
and extraction takes the room of many bare rows, so one bound keeps the
memory of a queue of pages small and still lets a recrawl's 304s, which hold
nothing, gather in large batches.

The guarantees stay those of one transaction per item: an item is reported
only once its batch is committed; an item not written when the run dies is
redone by the next run as if it had never come; and when a batch fails, each
of its items is written again as a batch of one, so one that cannot be
stored fails alone, with its reason.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

BATCH_MAX = 500  # items per transaction at most, so that one stays short
QUEUE_MAX = BATCH_MAX  # items waiting for the writer at most; adders wait beyond it


class GroupCommit(Generic[Item, Result]):
    """Queued items written in batches, on whichever adding thread finds none being written.

    ``write`` writes a batch in one transaction and answers one result per
    item, or raises; ``written`` is told of each item once its batch is
    committed, ``failed`` of an item that could not be written even alone.
    ``weigh`` says how much of ``queue_max`` an item takes (1 by default).
    """

    batch_max = BATCH_MAX

    def __init__(
        self,
        write: Callable[[list[Item]], list[Result]],
        written: Callable[[Item, Result], None],
        failed: Callable[[Item, Exception], None],
        *,
        queue_max: int = QUEUE_MAX,
        weigh: Callable[[Item], int] = lambda _item: 1,
    ) -> None:
        self._write_batch, self._written, self._failed = write, written, failed
        self.queue_max, self._weigh = queue_max, weigh
        self._queue: list[Item] = []
        self._load = 0  # what the queued items weigh together
        self._writing = False
        self._room = threading.Condition()

    def add(self, item: Item) -> None:
        """Queue one item; unless a batch is being written, write the queue (this one included).

        While the queue is full, wait for the writer to take a batch.
        """
        with self._room:
            self._room.wait_for(lambda: self._load < self.queue_max or not self._writing)
            self._queue.append(item)
            self._load += self._weigh(item)
            if self._writing:
                return  # the writer takes it with its next batch
            self._writing = True
        try:
            while batch := self._take():
                self._write(batch)
        except BaseException:
            with self._room:
                self._writing = False
                self._room.notify_all()  # a waiting adder becomes the writer
            raise

    def write_alone(self, item: Item) -> None:
        """Write one item as a batch of its own, now, on this thread; told either way."""
        try:
            (result,) = self._write_batch([item])
        except Exception as exc:
            self._failed(item, exc)
        else:
            self._written(item, result)

    def _take(self) -> list[Item]:
        """The next batch; an empty one ends this thread's turn as the writer.

        Both under one lock, so an item is either taken here or sees no writer
        and writes itself: none is left behind.
        """
        with self._room:
            batch, self._queue = self._queue[: self.batch_max], self._queue[self.batch_max :]
            self._load -= sum(map(self._weigh, batch))
            self._writing = bool(batch)
            self._room.notify_all()
            return batch

    def _write(self, batch: list[Item]) -> None:
        if len(batch) == 1:
            self.write_alone(batch[0])
            return
        try:
            results = self._write_batch(batch)
        except Exception:  # each on its own: one that cannot be stored fails alone
            for item in batch:
                self.write_alone(item)
            return
        for item, result in zip(batch, results, strict=True):
            self._written(item, result)
