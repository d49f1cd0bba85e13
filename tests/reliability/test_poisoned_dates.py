"""A page's date at the calendar's edge costs that date, never the page, its outlet or the redo.

``0001-01-01T00:00:00+14:00`` and ``9999-12-31T23:59:59-14:00`` are valid ISO
8601 but have no instant in UTC, where the catalog keeps its dates.  Real
crawls of a loopback site into a real archive; ``reextract`` runs as the
command a user types.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from loopback import Site, html, options, outlet, rss

from newsarchive.archiving import capture
from newsarchive.archiving.report import OutletReport
from newsarchive.archiving.run import archive_outlets
from newsarchive.config import Settings
from newsarchive.records import ArchiveOutcome, Capture, Extraction
from newsarchive.storage import Archive
from newsarchive.web import create_app

EARLIEST = "0001-01-01T00:00:00+14:00"
LATEST = "9999-12-31T23:59:59-14:00"
STORY = "Dockworkers voted on the new contract after a long night of talks at the harbour. "


def json_ld(date: str) -> str:
    return (
        '<script type="application/ld+json">'
        f'{{"@type": "NewsArticle", "datePublished": "{date}"}}</script>'
    )


def og(date: str) -> str:
    return f'<meta property="article:published_time" content="{date}">'


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "archive"


@pytest.fixture
def archive(home: Path) -> Iterator[Archive]:
    settings = Settings(home=home)
    with Archive.open(settings.database_url, settings.store_url) as opened:
        yield opened


@pytest.fixture
def site() -> Iterator[Site]:
    with Site() as running:
        running.page("/robots.txt", "User-agent: *\n", "text/plain")
        running.page("/earliest.html", html("Earliest", STORY * 3, head=og(EARLIEST)))
        running.page("/latest.html", html("Latest", STORY[::-1] * 3, head=json_ld(LATEST)))
        running.page(
            "/fallback.html",
            html("Fallback", "A council budget " * 20, head=og(EARLIEST) + json_ld("2026-03-02")),
        )
        rss(running, ["/earliest.html", "/latest.html", "/fallback.html"])
        yield running


def crawl(archive: Archive, site: Site) -> OutletReport:
    (report,) = asyncio.run(
        archive_outlets([outlet(site, "feed", "/feed.xml")], archive, options())
    ).values()
    return report


def endings(report: OutletReport) -> dict[str, ArchiveOutcome]:
    return {url.rsplit("/", 1)[1]: ending.outcome for url, ending in report.endings.items()}


def reextract(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsarchive", "reextract", *args],
        env={**os.environ, "NEWSARCHIVE_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_date_with_no_utc_instant_is_a_rejected_candidate_and_the_page_is_archived(
    archive: Archive, site: Site
) -> None:
    assert set(endings(crawl(archive, site)).values()) == {ArchiveOutcome.NEW}

    fallback = archive.snapshot(site.url("/fallback.html")).meta["extraction"]
    assert fallback["published"] == "2026-03-02"  # the next candidate in rank is chosen
    assert fallback["date_source"] == "json-ld:datePublished"
    rejected = [c for c in fallback["date_candidates"] if c["rejected"]]
    assert [(c["source"], c["value"]) for c in rejected] == [
        ("meta:article:published_time", EARLIEST)
    ]
    for page, date in (("/earliest.html", EARLIEST), ("/latest.html", LATEST)):
        kept = archive.snapshot(site.url(page)).meta["extraction"]
        assert kept["published"] is None
        assert [c["value"] for c in kept["date_candidates"] if c["rejected"]] == [date]

    # the archivist sees why it was not chosen
    with TestClient(create_app(archive), base_url="http://localhost") as viewer:
        page = viewer.get("/article", params={"url": site.url("/fallback.html")}).text
    assert (
        f"<tr><td>{EARLIEST}</td><td>meta:article:published_time</td>"
        "<td>rejected: no instant in UTC (outside the calendar&#39;s range)</td></tr>"
    ) in page

    again = crawl(archive, site)  # nothing pending, nothing stuck: a plain recrawl
    assert set(endings(again).values()) == {ArchiveOutcome.UNCHANGED}


def test_a_capture_the_catalog_cannot_file_fails_alone_and_never_blocks_the_redo(
    archive: Archive, site: Site, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The storage guard, with the extraction's own check bypassed."""
    genuine = capture.extract_capture
    off_the_calendar = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))

    def poisoned(taken: Capture, profile: str) -> Extraction:
        extraction = genuine(taken, profile)
        if taken.url.endswith("/fallback.html"):
            return replace(extraction, published=off_the_calendar)
        return extraction

    monkeypatch.setattr(capture, "extract_capture", poisoned)
    first = crawl(archive, site)
    assert endings(first) == {
        "earliest.html": ArchiveOutcome.NEW,
        "latest.html": ArchiveOutcome.NEW,
        "fallback.html": ArchiveOutcome.FAILED,
    }
    reason = first.endings[site.url("/fallback.html")].reason or ""
    assert reason.startswith("filing: ") and "has no instant in UTC" in reason
    assert archive.unextracted("testsite") == []  # failed with its reason, not left pending

    plain = reextract(home)  # failed captures wait for --failed, and say nothing is wrong
    assert (plain.returncode, plain.stdout.strip(), plain.stderr) == (
        0,
        "nothing to extract again",
        "",
    )
    retried = reextract(home, "--failed")
    assert (retried.returncode, retried.stderr) == (0, "")
    assert retried.stdout.splitlines()[1].split()[:5] == ["testsite", "0", "0", "1", "0"]
    assert "could not be crawled" not in retried.stdout
    filed = archive.snapshot(site.url("/fallback.html"))
    assert filed.meta["extraction"]["published"] == "2026-03-02"

    monkeypatch.undo()
    second = crawl(archive, site)  # the next run redoes nothing and refetches conditionally
    assert set(endings(second).values()) == {ArchiveOutcome.UNCHANGED}
