"""The history of crawl runs that per-source expectations are judged on."""

from __future__ import annotations

from newsarchive.records import RunCounts
from newsarchive.storage import Archive


def counts(new: int, failed: int = 0) -> RunCounts:
    return RunCounts(
        discovered=9, fetched=8, new=new, updated=1, unchanged=2, duplicate=0, failed=failed
    )


def test_recent_new_counts_come_newest_first_per_outlet(archive: Archive) -> None:
    for new in (4, 0, 2, 0):
        archive.record_run("sputnik", counts(new))
    archive.record_run("vanguard", counts(7))
    assert archive.recent_new_counts("sputnik", 3) == [0, 2, 0]
    assert archive.recent_new_counts("sputnik", 10) == [0, 2, 0, 4]
    assert archive.recent_new_counts("vanguard", 3) == [7]
    assert archive.recent_new_counts("kcnawatch", 3) == []


def test_runs_survive_reopening(database_url: str, file_store_url: str) -> None:
    with Archive.open(database_url, file_store_url) as archive:
        archive.record_run("joongang", counts(3))
    with Archive.open(database_url, file_store_url) as archive:
        assert archive.recent_new_counts("joongang", 1) == [3]
