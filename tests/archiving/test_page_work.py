"""A page's work (``work_on``): its raw page written while it is extracted, its text signed.

The store here is a real file store with a hand on its raw puts: a raw
write that must wait for extraction to begin can only finish if the two
run at the same time.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsarchive.archiving.capture import extract_capture
from newsarchive.archiving.work import PageJob, work_on
from newsarchive.errors import StorageError
from newsarchive.records import Capture, Extraction
from newsarchive.storage.objects import FileStore, sha256_hex

SEED = Path(__file__).parents[1] / "fixtures" / "seeds" / "002_b54cb0b62649eadc.txt"
URL = "https://www.vanguardngr.com/2021/01/xi-congratulates-kim-on-election/"


class RawPutWaits(FileStore):
    """A file store whose raw puts wait for ``go`` (and fail if it has not come in time)."""

    def __init__(self, root: Path, patience: float = 20.0) -> None:
        super().__init__(root)
        self.go, self.patience = threading.Event(), patience

    def put(self, key: str, data: bytes) -> None:
        if key.startswith("raw/") and not self.go.wait(timeout=self.patience):
            raise StorageError(f"cannot write {key}: extraction never began beside it")
        super().put(key, data)


def job(store: FileStore) -> PageJob:
    paragraphs = SEED.read_text(encoding="utf-8").split("\n")[2:]
    body = (
        "<!doctype html><html><head><title>Xi congratulates Kim</title></head><body><article>"
        + "".join(f"<p>{p}</p>" for p in paragraphs if p.strip())
        + "</article></body></html>"
    ).encode()
    at = datetime(2026, 2, 23, 9, 30, tzinfo=UTC)
    headers = (("Content-Type", "text/html; charset=utf-8"),)
    capture = Capture(
        outlet="vanguard", url=URL, requested_url=URL, final_url=URL, status=200,
        fetched_at=at, request_headers=(), response_headers=headers, body=body,
    )  # fmt: skip
    return PageJob(capture, "generic", store.url, sha256_hex(body))


def test_the_raw_page_is_written_while_the_page_is_extracted(tmp_path: Path) -> None:
    store = RawPutWaits(tmp_path)

    def extract_and_let_the_write_go(capture: Capture, profile: str) -> Extraction:
        store.go.set()
        return extract_capture(capture, profile)

    work = work_on(job(store), extract_and_let_the_write_go, store)
    assert work.extraction is not None and work.text is not None and work.failure is None
    assert "Kim Jong Un" in work.extraction.text
    assert sha256_hex(store.get(work.raw.key)) == work.raw.object_sha256
    # the text's object is written by filing, with the text's row, only if the text is new
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [Path(work.raw.key).name]


def test_a_failed_extraction_keeps_the_raw_page(tmp_path: Path) -> None:
    store = RawPutWaits(tmp_path)

    def broken(_capture: Capture, _profile: str) -> Extraction:
        store.go.set()
        raise ValueError("no tree")

    work = work_on(job(store), broken, store)
    assert work.extraction is None and work.failure is not None and "no tree" in work.failure
    assert sha256_hex(store.get(work.raw.key)) == work.raw.object_sha256


def test_a_failed_raw_write_is_raised_though_extraction_succeeded(tmp_path: Path) -> None:
    """No row may name a page that is not stored: the caller files nothing of it."""
    store = RawPutWaits(tmp_path, patience=0)  # its raw put fails at once
    with pytest.raises(StorageError, match="extraction never began beside it"):
        work_on(job(store), extract_capture, store)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
