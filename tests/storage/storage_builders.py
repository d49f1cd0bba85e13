"""Builders for the archive tests: fetches and extractions of real seed texts.

Texts come from the seed articles in ``tests/fixtures/seeds`` (news copies
about the same events from several outlets), so dedup is tested on the
kind of text it meets in production rather than on synthetic filler.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsarchive.records import Capture, Extraction, Fetch, FetchOutcome
from newsarchive.storage import Archive, ExtractedPage, sha256_hex, sign_text, store_raw

SEEDS = Path(__file__).parent.parent / "fixtures" / "seeds"
T0 = datetime(2026, 2, 23, 9, 30, tzinfo=UTC)


def seed_text(prefix: str) -> str:
    """A seed article's text without its first (crawl note) line."""
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    return path.read_text(encoding="utf-8").split("\n", 1)[1].strip()


XINHUA_VANGUARD = "002"  # Vanguard's copy of the Xinhua wire on Xi's message to Kim


def edit_words(text: str, every: int, replacement: str = "edited") -> str:
    """Replace every ``every``-th word: a controlled amount of textual change."""
    count = 0

    def swap(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return replacement if count % every == 0 else match.group(0)

    return re.sub(r"\w+", swap, text)


def page(text: str) -> bytes:
    """An HTML page carrying ``text``, as a server would send it."""
    paragraphs = "".join(f"<p>{p}</p>\n" for p in text.split("\n") if p.strip())
    return f"<!doctype html><html><body><article>{paragraphs}</article></body></html>".encode()


def fetched(
    url: str,
    body: bytes,
    at: datetime = T0,
    *,
    outlet: str = "vanguard",
    etag: str | None = None,
    last_modified: str | None = None,
) -> Fetch:
    headers = [("Content-Type", "text/html; charset=utf-8")]
    if etag:
        headers.append(("ETag", etag))
    if last_modified:
        headers.append(("Last-Modified", last_modified))
    capture = Capture(
        outlet=outlet,
        url=url,
        requested_url=url,
        final_url=url,
        status=200,
        fetched_at=at,
        request_headers=(("User-Agent", "newsarchive-test"), ("Accept", "text/html")),
        response_headers=tuple(headers),
        body=body,
    )
    return Fetch(outlet, url, FetchOutcome.FETCHED, at, 200, capture=capture)


def not_modified(url: str, at: datetime, outlet: str = "vanguard") -> Fetch:
    return Fetch(outlet, url, FetchOutcome.NOT_MODIFIED, at, 304)


def extracted(url: str, text: str, title: str | None = "Xi congratulates Kim") -> Extraction:
    return Extraction(url=url, profile="generic", title=title, text=text)


def archive_one(
    archive: Archive, url: str, text: str, at: datetime = T0, *, outlet: str = "vanguard"
) -> str:
    """Fetch and file one page; returns the ArchiveOutcome value."""
    record = archive.record_fetch(fetched(url, page(text), at, outlet=outlet))
    return archive.file_extraction(record, extracted(url, text)).value


def worked(archive: Archive, fetch: Fetch, text: str) -> ExtractedPage:
    """What a worker process hands back: the raw page written, the text signed, no row yet."""
    assert fetch.capture is not None
    sha = sha256_hex(fetch.capture.body)
    raw = archive.earlier_raw(fetch.url, sha) or store_raw(
        archive.store, fetch.outlet, fetch.fetched_at, fetch.capture.body, sha
    )
    return ExtractedPage(fetch, raw, extracted(fetch.url, text), sign_text(text))


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
