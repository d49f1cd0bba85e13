"""Group commits have a bounded queue: a catalog that falls behind holds the crawl back.

Without the bound, pages extracted faster than their rows could be written
queued up without limit, body and all, and the crawl's memory grew with the
length of the crawl.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from loopback import Site, html, options, outlet, rss, settled

from newsarchive.archiving.groupcommit import GroupCommit
from newsarchive.archiving.run import archive_outlets
from newsarchive.config import Settings
from newsarchive.records import ArchiveOutcome
from newsarchive.storage import Archive, ExtractedPage

WAIT = 10.0  # seconds, for anything the test expects to happen at once


class Dying(BaseException):
    """What a writer dies of (a KeyboardInterrupt, say): not handled as a failed batch."""


class Gated:
    """Records its batches; the first one waits for ``gate``, and ``die`` makes it raise."""

    def __init__(self, die: bool = False) -> None:
        self.gate, self.started, self.die = threading.Event(), threading.Event(), die
        self.batches: list[list[int]] = []
        self.reported: list[int] = []
        self.writer = GroupCommit(self.write_batch, self.written, self.failed, queue_max=3)
        self.writer.batch_max = 2

    def add(self, item: int) -> None:
        self.writer.add(item)

    def write_batch(self, batch: list[int]) -> list[int]:
        if not self.started.is_set():
            self.started.set()
            assert self.gate.wait(WAIT)
            if self.die:
                raise Dying
        self.batches.append(batch)
        return batch

    def written(self, item: int, result: int) -> None:
        self.reported.append(item)

    def failed(self, item: int, error: Exception) -> None:
        raise AssertionError("no batch fails here")


def adding(writer: Gated, item: int) -> threading.Thread:
    def add() -> None:
        with contextlib.suppress(Dying):  # the writer's own death, as its thread sees it
            writer.add(item)

    thread = threading.Thread(target=add, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("die", [False, True], ids=["writer-finishes", "writer-dies"])
def test_adders_wait_while_the_queue_is_full_and_every_item_is_written_once(die: bool) -> None:
    writer = Gated(die=die)
    first = adding(writer, 0)
    assert writer.started.wait(WAIT)  # 0 is being written, and holds the writer up
    queued = [adding(writer, n) for n in (1, 2, 3)]
    for thread in queued:
        thread.join(WAIT)
        assert not thread.is_alive()  # room in the queue: they return at once
    late = adding(writer, 4)
    late.join(0.5)
    assert late.is_alive()  # the queue holds 3: the fourth waits for room
    writer.gate.set()
    for thread in (first, late):
        thread.join(WAIT)
        assert not thread.is_alive()
    written = [item for batch in writer.batches for item in batch]
    assert sorted(written) == ([1, 2, 3, 4] if die else [0, 1, 2, 3, 4])
    assert writer.reported == written  # reported once each, once committed
    assert all(len(batch) <= writer.writer.batch_max for batch in writer.batches)


def test_every_item_is_written_once_whichever_thread_writes_it() -> None:
    batches: list[list[int]] = []
    told: list[int] = []
    lock = threading.Lock()

    def write(batch: list[int]) -> list[None]:
        batches.append(list(batch))
        return [None] * len(batch)

    def written(item: int, _result: None) -> None:
        with lock:
            told.append(item)

    writer: GroupCommit[int, None] = GroupCommit(write, written, lambda item, exc: None)
    items = list(range(2000))
    threads = [
        threading.Thread(target=lambda part=part: [writer.add(n) for n in part])
        for part in (items[i::4] for i in range(4))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert sorted(told) == items
    assert sorted(n for batch in batches for n in batch) == items


def test_a_failed_batch_is_written_as_batches_of_one_and_only_the_bad_item_fails() -> None:
    written: list[int] = []
    failed: dict[int, str] = {}
    attempts: list[list[int]] = []
    first = threading.Event()

    def write(batch: list[int]) -> list[int]:
        attempts.append(list(batch))
        if not first.is_set():  # the first batch holds the writer until the rest queued
            first.set()
            holding.wait(WAIT)
        if 2 in batch:
            raise ValueError("two is refused")
        return batch

    holding = threading.Event()
    writer = GroupCommit(
        write, lambda n, _r: written.append(n), lambda n, e: failed.update({n: str(e)})
    )
    thread = threading.Thread(target=writer.add, args=(0,))
    thread.start()
    assert first.wait(WAIT)
    for n in (1, 2, 3):
        writer.add(n)  # queued behind the batch being written
    holding.set()
    thread.join(WAIT)
    assert attempts == [[0], [1, 2, 3], [1], [2], [3]]  # a lone item is never written twice
    assert written == [0, 1, 3]
    assert failed == {2: "two is refused"}


def test_an_item_takes_the_room_it_weighs() -> None:
    """A page (1) weighs three rows (0): after a page and a row, a queue of 4 is full."""
    writer = Gated()
    writer.writer = GroupCommit(
        writer.write_batch, writer.written, writer.failed, queue_max=4, weigh=lambda n: 1 + 2 * n
    )
    first = adding(writer, 0)
    assert writer.started.wait(WAIT)  # 0 is being written, and holds the writer up
    for item in (1, 0):
        queued = adding(writer, item)
        queued.join(WAIT)
        assert not queued.is_alive()  # a page, then a row: 4 in all
    late = adding(writer, 0)
    late.join(0.5)
    assert late.is_alive()  # counted by items, there would be room for it
    writer.gate.set()
    for thread in (first, late):
        thread.join(WAIT)
        assert not thread.is_alive()
    assert sorted(n for batch in writer.batches for n in batch) == [0, 0, 0, 1]


class SlowCatalog(Archive):
    """An archive whose group commits wait until the test opens ``gate``."""

    gate: threading.Event

    def record_and_file(self, pages: Sequence[ExtractedPage]) -> list[ArchiveOutcome]:
        assert self.gate.wait(60)
        return super().record_and_file(pages)


@pytest.fixture
def slow_archive(tmp_path: Path) -> Iterator[SlowCatalog]:
    settings = Settings(home=tmp_path / "archive")
    with SlowCatalog.open(settings.database_url, settings.store_url) as opened:
        assert isinstance(opened, SlowCatalog)
        opened.gate = threading.Event()
        yield opened


def test_a_catalog_that_falls_behind_holds_the_crawl_back(slow_archive: SlowCatalog) -> None:
    paths = [f"/a/{n}.html" for n in range(300)]
    with Site() as site:
        for n, path in enumerate(paths):
            site.page(path, html(f"Story {n}", f"Story number {n} begins. " + "word " * 40_000))
        rss(site, paths)
        target = outlet(site, "feed", "/feed.xml", max_pages=400)

        async def crawl() -> tuple[int, dict[str, Any]]:
            task = asyncio.create_task(archive_outlets([target], slow_archive, options()))
            held = await settled(site)
            slow_archive.gate.set()
            reports = await task
            return held, reports[target.name].summary().row()

        held, row = asyncio.run(crawl())
    assert held < len(paths) // 2  # the crawl stopped fetching while no row could be written
    assert row["new"] == len(paths) and row["failed"] == 0  # and it all came in once it could
