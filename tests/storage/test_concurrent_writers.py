"""Two workers filing into one catalog at once never create an article or version twice."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

import pytest
from sqlalchemy import text
from storage_builders import (
    T0,
    XINHUA_VANGUARD,
    archive_one,
    edit_words,
    extracted,
    fetched,
    hours,
    page,
    seed_text,
)

from newsarchive.records import ArchiveOutcome
from newsarchive.storage import Archive, ObjectStore

SEEDS = ["000", "001", XINHUA_VANGUARD]  # distinct texts, one per round
ROUNDS = len(SEEDS)


class MeetAtMetadataWrite:
    """A worker's store that waits (briefly) for the other worker at the metadata write.

    That write comes after a worker has decided what to file (version number,
    duplicate or not) and before it inserts the rows.  If the catalog lets both
    workers reach it together, both decided without seeing each other: the
    race is forced to happen.  If the catalog serialises them, the first one
    waits in vain, commits, and only then does the second decide.
    """

    def __init__(self, store: ObjectStore, meeting: list[threading.Barrier]) -> None:
        self.store, self.url, self.meeting = store, store.url, meeting

    def put(self, key: str, data: bytes) -> None:
        if key.startswith("meta/"):
            with suppress(threading.BrokenBarrierError):
                self.meeting[0].wait()
        self.store.put(key, data)

    def get(self, key: str) -> bytes:
        return self.store.get(key)


def in_two_workers(
    database_url: str, file_store_url: str, work: Callable[[Archive, int, threading.Barrier], str]
) -> list[list[str]]:
    """Run ``work(archive, worker, barrier)`` for each round in two threads, each with its
    own Archive (own engine and connections), released together by the barrier."""
    archives = [Archive.open(database_url, file_store_url) for _ in range(2)]
    meeting = [threading.Barrier(2)]
    for archive in archives:
        archive.store = MeetAtMetadataWrite(archive.store, meeting)
    try:
        results = []
        with ThreadPoolExecutor(max_workers=2) as pool:
            for round_number in range(ROUNDS):
                meeting[0] = threading.Barrier(2, timeout=0.5)
                barrier = threading.Barrier(2, timeout=30)
                futures = [
                    pool.submit(work, archive, worker + 10 * round_number, barrier)
                    for worker, archive in enumerate(archives)
                ]
                results.append(sorted(f.result(timeout=60) for f in futures))
        return results
    finally:
        for archive in archives:
            archive.close()


def counts(database_url: str, file_store_url: str) -> dict[str, int]:
    with Archive.open(database_url, file_store_url) as archive, archive.engine.connect() as c:
        return {
            table: c.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("articles", "versions", "fetches", "contents")
        }


def test_same_url_same_text_gives_one_article_and_one_version(
    database_url: str, file_store_url: str
) -> None:
    def work(archive: Archive, worker: int, barrier: threading.Barrier) -> str:
        url = f"https://www.vanguardngr.com/xi-kim-{worker // 10}/"
        body_text = seed_text(SEEDS[worker // 10])
        record = archive.record_fetch(fetched(url, page(body_text), T0 + hours(worker % 10)))
        barrier.wait()
        return archive.file_extraction(record, extracted(url, body_text)).value

    outcomes = in_two_workers(database_url, file_store_url, work)
    assert outcomes == [["new", "unchanged"]] * ROUNDS
    assert counts(database_url, file_store_url) == {
        "articles": ROUNDS,
        "versions": ROUNDS,
        "fetches": 2 * ROUNDS,
        "contents": ROUNDS,
    }


@pytest.mark.parametrize(
    ("edits", "outcomes", "versions"),
    [
        ((9, 9), ["unchanged", "updated"], [1, 2]),  # both saw the same change
        ((9, 11), ["updated", "updated"], [1, 2, 3]),  # two changes: numbered in turn
    ],
)
def test_changes_filed_at_once_get_distinct_version_numbers(
    database_url: str,
    file_store_url: str,
    edits: tuple[int, int],
    outcomes: list[str],
    versions: list[int],
) -> None:
    def url(round_number: int) -> str:
        return f"https://www.vanguardngr.com/xi-kim-{round_number}/"

    with Archive.open(database_url, file_store_url) as archive:
        for round_number, seed in enumerate(SEEDS):
            archive_one(archive, url(round_number), seed_text(seed))

    def work(archive: Archive, worker: int, barrier: threading.Barrier) -> str:
        changed = edit_words(seed_text(SEEDS[worker // 10]), edits[worker % 10])
        at = T0 + hours(1 + worker % 10)
        record = archive.record_fetch(fetched(url(worker // 10), page(changed), at))
        barrier.wait()
        return archive.file_extraction(record, extracted(url(worker // 10), changed)).value

    assert in_two_workers(database_url, file_store_url, work) == [outcomes] * ROUNDS
    with Archive.open(database_url, file_store_url) as archive:
        for round_number in range(ROUNDS):
            history = archive.history(url(round_number))
            # numbered in filing order, which either worker may win
            assert sorted(v.version for v in history) == versions
            assert history[0].version == 1


def test_same_text_at_two_urls_gives_one_original_and_one_duplicate(
    database_url: str, file_store_url: str
) -> None:
    def work(archive: Archive, worker: int, barrier: threading.Barrier) -> str:
        body_text = seed_text(SEEDS[worker // 10])
        url = f"https://outlet{worker % 10}.example/story-{worker // 10}"
        record = archive.record_fetch(
            fetched(url, page(body_text), T0, outlet=f"outlet{worker % 10}")
        )
        barrier.wait()
        return archive.file_extraction(record, extracted(url, body_text)).value

    outcomes = in_two_workers(database_url, file_store_url, work)
    assert outcomes == [[ArchiveOutcome.DUPLICATE.value, ArchiveOutcome.NEW.value]] * ROUNDS
    assert counts(database_url, file_store_url)["contents"] == ROUNDS
