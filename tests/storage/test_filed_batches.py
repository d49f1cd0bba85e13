"""Pages filed many to a transaction leave exactly the rows and objects of one step at a time.

The crawl's fast path writes a page's raw and text objects first (in a worker
process) and then its fetch row and filing, several pages in one transaction
(:meth:`Archive.record_and_file`).  The reference is the slow path:
:meth:`Archive.record_fetch` then :meth:`Archive.file_extraction`, a
transaction each.  The pages cover every outcome: new, a copy at another URL,
a new version, the same text again, the same bytes again, and one article
changed twice within one batch (its search document is the later text).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from storage_builders import (
    T0,
    XINHUA_VANGUARD,
    edit_words,
    extracted,
    fetched,
    hours,
    page,
    worked,
)
from storage_builders import seed_text as seed

from newsarchive.errors import InputError
from newsarchive.records import ArchiveOutcome, Fetch
from newsarchive.storage import Archive, ExtractedPage

URL = "https://www.vanguardngr.com/2021/01/xi-congratulates-kim-on-election/"
COPY = "https://www.vanguardngr.com/2021/01/xi-kim-message-copy/"
OTHER = "https://www.vanguardngr.com/2021/01/other-story/"
TABLES = ("fetches", "articles", "versions", "contents", "lsh_bands")
SEARCH_TABLES = ("article_search", "version_search")  # FTS5 on SQLite: rowid, title, body


def rounds() -> list[list[tuple[Fetch, str]]]:
    """Three crawls: three new pages; a change, an unchanged text and the same bytes; then
    one article changed twice."""
    wire, other = seed(XINHUA_VANGUARD), seed("003")
    changed = edit_words(wire, 40)
    crawls = [
        [(URL, wire), (COPY, wire), (OTHER, other)],
        [(URL, changed), (COPY, wire), (OTHER, other)],
        [(URL, edit_words(wire, 30)), (URL, wire)],
    ]
    return [
        [
            (fetched(url, page(body), T0 + hours(24 * day + n)), body)
            for n, (url, body) in enumerate(crawl)
        ]
        for day, crawl in enumerate(crawls)
    ]


def one_step_at_a_time(archive: Archive) -> list[ArchiveOutcome]:
    outcomes = []
    for crawl in rounds():
        for fetch, body in crawl:
            record = archive.record_fetch(fetch)
            outcomes.append(archive.file_extraction(record, extracted(fetch.url, body)))
    return outcomes


def in_batches(archive: Archive) -> list[ArchiveOutcome]:
    outcomes = []
    for crawl in rounds():
        outcomes += archive.record_and_file([worked(archive, f, body) for f, body in crawl])
    return outcomes


def rows(archive: Archive) -> list[Any]:
    """Every row of the filing and search tables, less the time a content row was made at."""
    with archive.engine.connect() as connection:
        tables = []
        for table in TABLES:
            result = connection.execute(text(f"SELECT * FROM {table}"))
            keep = [i for i, column in enumerate(result.keys()) if column != "created_at"]
            tables.append(sorted(tuple(row[i] for i in keep) for row in result))
        for table in SEARCH_TABLES:
            result = connection.execute(text(f"SELECT rowid, title, body FROM {table}"))
            tables.append(sorted(tuple(row) for row in result))
        return tables


def objects(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_batches_leave_the_rows_and_objects_of_one_page_at_a_time(tmp_path: Path) -> None:
    one = Archive.open(f"sqlite:///{tmp_path / 'one.db'}", f"file://{tmp_path / 'one'}")
    batched = Archive.open(f"sqlite:///{tmp_path / 'batch.db'}", f"file://{tmp_path / 'batch'}")
    with one, batched:
        expected = one_step_at_a_time(one)
        assert in_batches(batched) == expected
        assert rows(batched) == rows(one)
    assert objects(tmp_path / "batch") == objects(tmp_path / "one")


def test_a_batch_files_every_outcome_on_each_catalog(archive: Archive) -> None:
    assert in_batches(archive) == [
        ArchiveOutcome.NEW,
        ArchiveOutcome.DUPLICATE,
        ArchiveOutcome.NEW,
        ArchiveOutcome.UPDATED,
        ArchiveOutcome.UNCHANGED,
        ArchiveOutcome.UNCHANGED,
        ArchiveOutcome.UPDATED,
        ArchiveOutcome.UPDATED,
    ]
    assert [v.version for v in archive.history(URL)] == [1, 2, 3, 4]
    word = next(w for w in seed(XINHUA_VANGUARD).split() if w.isalpha() and len(w) > 6)
    hits = [hit.url for hit in archive.search(word)]
    assert hits.count(URL) == 1  # the article is one document, its latest text
    assert archive.copies(URL) == [COPY]
    assert archive.verify().ok


def test_a_failed_batch_writes_nothing(archive: Archive) -> None:
    crawl = rounds()[0]
    pages = [worked(archive, fetch, body) for fetch, body in crawl]
    pages[-1] = ExtractedPage(pages[-1].fetch, pages[-1].raw, extracted(OTHER, "  "), None)
    with pytest.raises(InputError, match="holds no text"):
        archive.record_and_file(pages)
    assert list(archive.list_articles()) == []
    assert archive.unextracted() == []
