"""304s recorded in batches leave exactly the rows that recording them one at a time leaves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text
from storage_builders import T0, archive_one, hours, not_modified, seed_text

from newsarchive.records import Fetch
from newsarchive.storage import Archive

URLS = [f"https://www.vanguardngr.com/2026/02/story-{n}/" for n in range(4)]


def _refetches() -> list[Fetch]:
    """304s of known articles, of one unknown URL, a repeat, and one older than any version."""
    fetches = [not_modified(url, T0 + hours(2 + n)) for n, url in enumerate(URLS)]
    fetches.append(not_modified("https://www.vanguardngr.com/never-archived/", T0 + hours(3)))
    fetches.append(not_modified(URLS[0], T0 + hours(9)))  # the same article again, later
    fetches.append(fetches[1])  # recorded already
    fetches.append(not_modified(URLS[2], T0 - hours(5)))  # before its first version
    return fetches


def _rows(archive: Archive) -> list[Any]:
    with archive.engine.connect() as connection:
        return [
            list(connection.execute(text(f"SELECT * FROM {table} ORDER BY id")))
            for table in ("fetches", "articles", "versions")
        ]


def _filled(path: Path) -> Archive:
    archive = Archive.open(f"sqlite:///{path / 'catalog.db'}", f"file://{path / 'objects'}")
    for n, url in enumerate(URLS):
        archive_one(archive, url, seed_text("002") + f" {n}", T0 + hours(n))
        if n == 1:  # a second version, so a 304 is matched to the version current then
            archive_one(archive, url, seed_text("003"), T0 + hours(4))
    return archive


def test_a_batch_leaves_the_rows_of_one_304_at_a_time(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "batch").mkdir()
    with _filled(tmp_path / "one") as one, _filled(tmp_path / "batch") as batched:
        for fetch in _refetches():
            one.record_fetch(fetch)
        fetches = _refetches()
        batched.record_not_modified(fetches[:3])
        batched.record_not_modified(fetches[3:])
        batched.record_not_modified(fetches[:2])  # a batch redone changes nothing
        assert _rows(batched) == _rows(one)
