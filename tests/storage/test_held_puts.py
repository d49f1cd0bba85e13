"""A group commit's objects: written together, all before its rows commit.

Filing holds back the objects it adds (each new text, each new version's
metadata) in ``HeldPuts`` and writes a batch's objects concurrently just
before the transaction commits.
These tests watch the puts from inside the store, on each catalog and each
store: what is committed when an object goes out, whether two go out at
once, and what a failed put leaves behind.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import text
from storage_builders import T0, XINHUA_VANGUARD, fetched, hours, page, seed_text, worked

from newsarchive.errors import StorageError
from newsarchive.storage import Archive, ExtractedPage
from newsarchive.storage.objects import HeldPuts, ObjectStore, sha256_hex

URLS = (
    "https://www.vanguardngr.com/2021/01/xi-congratulates-kim-on-election/",
    "https://www.vanguardngr.com/2021/01/other-story/",
    "https://www.vanguardngr.com/2021/01/third-story/",
)


class Watched:
    """The archive's store, calling ``before(key)`` before each put of filing's own objects."""

    def __init__(self, store: ObjectStore, before: Callable[[str], None]) -> None:
        self.store, self.before, self.url = store, before, store.url
        self.keys: list[str] = []

    def put(self, key: str, data: bytes) -> None:
        if key.startswith(("meta/", "text/")):
            self.before(key)
            self.keys.append(key)
        self.store.put(key, data)

    def get(self, key: str) -> bytes:
        return self.store.get(key)


@pytest.fixture
def archive(database_url: str, store_url: str) -> Iterator[Archive]:
    with Archive.open(database_url, store_url) as opened:
        yield opened


def three_new_pages(archive: Archive) -> list[ExtractedPage]:
    texts = (seed_text(XINHUA_VANGUARD), seed_text("003"), seed_text("004"))
    return [
        worked(archive, fetched(url, page(body), T0 + hours(n)), body)
        for n, (url, body) in enumerate(zip(URLS, texts, strict=True))
    ]


def committed(archive: Archive, query: str, **params: str) -> int:
    with archive.engine.connect() as connection:
        return int(connection.execute(text(query), params).scalar_one())


def test_every_object_is_in_the_store_before_a_row_names_it(archive: Archive) -> None:
    def nothing_names_it_yet(key: str) -> None:
        assert committed(archive, "SELECT count(*) FROM versions WHERE meta_key = :k", k=key) == 0
        assert committed(archive, "SELECT count(*) FROM contents WHERE key = :k", k=key) == 0

    pages = three_new_pages(archive)
    archive.store = watched = Watched(archive.store, nothing_names_it_yet)
    archive.record_and_file(pages)

    with archive.engine.connect() as connection:
        versions = connection.execute(text("SELECT meta_key, meta_sha256 FROM versions")).all()
        texts = connection.execute(text("SELECT key, sha256 FROM contents")).all()
    assert len(versions) == len(texts) == 3
    assert sorted(watched.keys) == sorted(key for key, _ in [*versions, *texts])
    for key, digest in [*versions, *texts]:
        assert sha256_hex(archive.store.get(key)) == digest


def test_a_text_already_archived_is_not_written_again(archive: Archive) -> None:
    archive.record_and_file(three_new_pages(archive))
    copy = "https://www.vanguardngr.com/2021/01/xi-kim-message-copy/"
    wire = seed_text(XINHUA_VANGUARD)
    archive.store = watched = Watched(archive.store, lambda _key: None)
    again = worked(archive, fetched(copy, page(wire), T0 + hours(24)), wire)
    assert [o.value for o in archive.record_and_file([again])] == ["duplicate"]
    assert [key for key in watched.keys if key.startswith("text/")] == []


def test_a_batch_s_objects_are_written_at_the_same_time(archive: Archive) -> None:
    """The first two metadata puts must meet inside the store: one after another, they cannot."""
    meeting = threading.Barrier(2, timeout=20)
    arrivals = iter(range(2))

    def meet(_key: str) -> None:
        if next(arrivals, None) is not None:
            meeting.wait()

    pages = three_new_pages(archive)
    archive.store = Watched(archive.store, meet)
    archive.record_and_file(pages)
    assert len(list(archive.list_articles())) == 3


def test_a_failed_object_write_commits_no_row(archive: Archive) -> None:
    def refuse(key: str) -> None:
        raise StorageError(f"cannot write {key}: the store went away")

    pages = three_new_pages(archive)
    store = archive.store
    archive.store = Watched(store, refuse)
    with pytest.raises(StorageError, match="the store went away"):
        archive.record_and_file(pages)
    for table in ("fetches", "articles", "versions", "contents"):
        assert committed(archive, f"SELECT count(*) FROM {table}") == 0, table

    archive.store = store  # the store is back: the same pages file whole
    assert [o.value for o in archive.record_and_file(pages)] == ["new", "new", "new"]
    assert archive.verify().ok


def test_held_puts_refuse_other_bytes_under_a_key_and_write_the_same_bytes_once(
    archive: Archive,
) -> None:
    written: list[str] = []
    held = HeldPuts(Watched(archive.store, written.append))
    held.put("meta/x.json", b"one")
    held.put("meta/x.json", b"one")
    with pytest.raises(StorageError, match="already exists with other content"):
        held.put("meta/x.json", b"two")
    assert held.get("meta/x.json") == b"one" and written == []
    held.write()
    assert written == ["meta/x.json"]
    assert archive.store.get("meta/x.json") == b"one"
