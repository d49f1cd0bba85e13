"""304s are written in group commits: each once, by whichever thread finds no batch writing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from newsarchive.archiving.refetches import NotModifiedWriter
from newsarchive.records import Fetch, FetchOutcome

T0 = datetime(2026, 2, 23, 9, 30, tzinfo=UTC)


def not_modified(url: str) -> Fetch:
    return Fetch("vanguard", url, FetchOutcome.NOT_MODIFIED, T0, 304)


class _Archive:
    """Records what it is asked to write; ``fail`` makes batches fail and one fetch fail alone."""

    def __init__(self, fail: Fetch | None = None) -> None:
        self.fail = fail
        self.batches: list[list[Fetch]] = []
        self.single: list[Fetch] = []

    def record_not_modified(self, fetches: list[Fetch]) -> None:
        if self.fail is not None:
            raise RuntimeError("batch refused")
        self.batches.append(list(fetches))

    def record_fetch(self, fetch: Fetch) -> None:
        if fetch is self.fail:
            raise RuntimeError("this one")
        self.single.append(fetch)


def test_every_304_is_written_once_whichever_thread_writes_it() -> None:
    archive = _Archive()
    told: list[Fetch] = []
    lock = threading.Lock()

    def written(fetch: Fetch, error: Exception | None) -> None:
        assert error is None
        with lock:
            told.append(fetch)

    writer = NotModifiedWriter(archive, written)  # type: ignore[arg-type]
    fetches = [not_modified(f"https://example.org/{n}") for n in range(2000)]
    threads = [
        threading.Thread(target=lambda part=part: [writer.add(f) for f in part])
        for part in (fetches[i::4] for i in range(4))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(id(f) for f in told) == sorted(id(f) for f in fetches)
    assert sum(len(b) for b in archive.batches) == len(fetches)


def test_a_failed_batch_is_written_one_by_one_and_only_the_bad_304_fails() -> None:
    fetches = [not_modified(f"https://example.org/{n}") for n in range(3)]
    archive = _Archive(fail=fetches[1])
    outcomes: dict[str, str | None] = {}
    writer = NotModifiedWriter(
        archive,  # type: ignore[arg-type]
        lambda fetch, error: outcomes.__setitem__(fetch.url, str(error) if error else None),
    )
    for fetch in fetches:
        writer.add(fetch)
    assert outcomes == {fetches[0].url: None, fetches[1].url: "this one", fetches[2].url: None}
    assert archive.single == [fetches[0], fetches[2]]
