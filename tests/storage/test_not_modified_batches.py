"""304s recorded in batches leave exactly the rows that recording them one at a time leaves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session
from storage_builders import T0, archive_one, hours, not_modified, seed_text

from newsarchive.records import Fetch
from newsarchive.storage import Archive
from newsarchive.storage.catalog.models import ArticleRow, FetchRow, VersionRow

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
        batched.record_and_file(fetches[:3])
        batched.record_and_file(fetches[3:])
        batched.record_and_file(fetches[:2])  # a batch redone changes nothing
        assert _rows(batched) == _rows(one)


def test_a_batch_moves_last_seen_and_names_the_version_seen(archive: Archive) -> None:
    """On each catalog: what the comparison above checks on SQLite, stated outright."""
    for n, url in enumerate(URLS[:2]):
        archive_one(archive, url, seed_text("002") + f" {n}", T0 + hours(n))
    archive_one(archive, URLS[1], seed_text("003"), T0 + hours(4))
    late, early = not_modified(URLS[1], T0 + hours(9)), not_modified(URLS[1], T0 + hours(2))
    unknown = not_modified("https://www.vanguardngr.com/never-archived/", T0 + hours(3))
    archive.record_and_file([late, early, unknown, late])
    with Session(archive.engine) as session:
        fetches = session.execute(
            select(FetchRow.url, FetchRow.article_id, VersionRow.number, FetchRow.archive_outcome)
            .outerjoin(VersionRow, VersionRow.id == FetchRow.version_id)
            .where(FetchRow.outcome == "not-modified")
            .order_by(FetchRow.id)
        ).all()
        versions = session.execute(
            select(VersionRow.number, VersionRow.last_seen, ArticleRow.last_seen)
            .join(ArticleRow, ArticleRow.id == VersionRow.article_id)
            .where(ArticleRow.url == URLS[1])
            .order_by(VersionRow.number)
        ).all()
    assert [(url, bool(article), number, why) for url, article, number, why in fetches] == [
        (URLS[1], True, 2, "unchanged"),
        (URLS[1], True, 1, "unchanged"),
        (unknown.url, False, None, None),
    ]
    assert [tuple(row) for row in versions] == [
        (1, T0 + hours(2), T0 + hours(9)),
        (2, T0 + hours(9), T0 + hours(9)),
    ]
