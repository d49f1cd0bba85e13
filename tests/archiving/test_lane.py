"""The capture lane: every fetch worked on, then filed by the one writer, and counted once.

Real archives on disk and real extraction of seed articles; the writer's
batches are formed by holding its first commit until the others queued.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsarchive.archiving.capture import CaptureLane
from newsarchive.archiving.work import worker_pool
from newsarchive.records import ArchiveOutcome, Capture, Fetch, FetchOutcome
from newsarchive.storage import Archive, Entry, ExtractedPage

SEEDS = Path(__file__).parents[1] / "fixtures" / "seeds"
T0 = datetime(2026, 2, 23, 9, 30, tzinfo=UTC)
WAIT = 30.0


def seed_page(prefix: str) -> bytes:
    text = next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8").split("\n", 1)[1]
    paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n") if p.strip())
    head = f"<head><title>Story {prefix}</title></head>"
    return f"<html>{head}<body><article>{paragraphs}</article></body></html>".encode()


def fetched(path: str, body: bytes, minutes: int = 0) -> Fetch:
    url = f"https://www.vanguardngr.com/2026/02/{path}/"
    at = T0 + timedelta(minutes=minutes)
    capture = Capture(
        outlet="vanguard", url=url, requested_url=url, final_url=url, status=200, fetched_at=at,
        request_headers=(), response_headers=(("Content-Type", "text/html"),), body=body,
    )  # fmt: skip
    return Fetch("vanguard", url, FetchOutcome.FETCHED, at, 200, capture=capture)


class HeldArchive(Archive):
    """An archive whose first group commit waits until ``go`` is set; it can refuse a page."""

    go: threading.Event
    held: threading.Event  # set once the first commit waits
    refuse: str | None = None

    def record_and_file(self, entries: Sequence[Entry]) -> list[ArchiveOutcome]:
        self.held.set()
        assert self.go.wait(WAIT)
        refused = [
            e for e in entries if isinstance(e, ExtractedPage) and e.fetch.url == self.refuse
        ]
        if refused:
            raise ValueError(f"the catalog refuses {self.refuse}")
        return super().record_and_file(entries)


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[HeldArchive]:
    with HeldArchive.open(f"sqlite:///{tmp_path / 'catalog.db'}", f"file://{tmp_path}") as opened:
        assert isinstance(opened, HeldArchive)
        opened.go, opened.held = threading.Event(), threading.Event()
        yield opened


def test_a_page_the_catalog_refuses_fails_alone_and_is_kept_with_its_reason(
    archive: HeldArchive,
) -> None:
    lane = CaptureLane(archive, {"vanguard": "generic"})
    fetches = [fetched(f"story-{n}", seed_page(p), n) for n, p in enumerate(("002", "003", "004"))]
    archive.refuse = fetches[1].url
    first = threading.Thread(target=lane.process, args=(fetches[0],))
    first.start()
    assert archive.held.wait(WAIT)  # the writer, held at its first commit
    others = [threading.Thread(target=lane.process, args=(f,)) for f in fetches[1:]]
    for thread in others:
        thread.start()
    for thread in others:
        thread.join(WAIT)  # worked on and queued behind the held batch
    archive.go.set()
    first.join(WAIT)

    report = lane.report("vanguard")
    assert [report.endings[f.url].outcome for f in fetches] == [
        ArchiveOutcome.NEW,
        ArchiveOutcome.FAILED,
        ArchiveOutcome.NEW,
    ]
    reason = report.endings[fetches[1].url].reason or ""
    assert reason == f"filing: ValueError: the catalog refuses {fetches[1].url}"
    assert report.fetched == 3 and report.extraction_failures == 0
    assert archive.unextracted() == []  # not retried on every run
    (kept,) = archive.unextracted(failed=True)  # but kept, raw page and all, for --failed
    assert kept.url == fetches[1].url and kept.raw_key is not None

    archive.refuse = None
    redone = CaptureLane(archive, {"vanguard": "generic"})
    assert redone.redo(failed=True) == 1
    again = redone.report("vanguard")
    assert again.endings[fetches[1].url].outcome is ArchiveOutcome.NEW
    assert again.fetched == 0  # filed again from the stored page, not fetched


def test_a_stored_page_whose_object_is_gone_is_kept_failed_with_the_reason(
    archive: HeldArchive, tmp_path: Path
) -> None:
    archive.go.set()
    record = archive.record_fetch(fetched("story", seed_page("002")))  # stored, never filed
    assert record.raw_key is not None
    (tmp_path / record.raw_key).unlink()
    lane = CaptureLane(archive, {"vanguard": "generic"})
    assert lane.redo() == 1
    ending = lane.report("vanguard").endings[record.url]
    assert ending.outcome is ArchiveOutcome.FAILED
    assert (ending.reason or "").startswith("stored page: ") and "missing" in ending.reason
    assert archive.unextracted() == []
    assert [r.url for r in archive.unextracted(failed=True)] == [record.url]


def test_pages_are_worked_on_in_this_process_once_the_pool_has_broken(
    archive: HeldArchive,
) -> None:
    archive.go.set()
    with worker_pool(1) as pool:
        with pytest.raises(BrokenProcessPool):  # its worker died
            pool.submit(os._exit, 1).result(WAIT)
        lane = CaptureLane(archive, {"vanguard": "generic"}, pool)
        page = fetched("story", seed_page("003"))
        lane.process(page)
    assert lane.pool is None
    assert lane.report("vanguard").endings[page.url].outcome is ArchiveOutcome.NEW
    assert archive.snapshot(page.url).version == 1
