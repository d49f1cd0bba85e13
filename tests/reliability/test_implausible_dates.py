"""A date no web page can have is a rejected candidate, and the next candidate is the date.

CMSs print their empty date (``0001-01-01``, the Unix epoch) where a page has
none, in JSON-LD and in feeds alike, and a misconfigured clock or a scheduled
post dates a page ahead of its capture.  Real crawls of a loopback site into a
real archive; the feed's RFC 822 dates go through the spider's own reading.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from loopback import Site, html, options, outlet

from newsarchive.archiving.run import archive_outlets
from newsarchive.config import Settings
from newsarchive.records import ArchiveOutcome
from newsarchive.storage import Archive

STORY = "The ferry across the estuary ran again on Monday after a winter of repairs. "
REAL = "2026-03-02T08:00:00+01:00"
BEFORE_THE_WEB = "before 1990, older than news on the web"
AHEAD = "more than a day after the page was captured"


def json_ld(date: str) -> str:
    return (
        '<script type="application/ld+json">'
        f'{{"@type": "NewsArticle", "datePublished": "{date}"}}</script>'
    )


def og(date: str) -> str:
    return f'<meta property="article:published_time" content="{date}">'


def feed(site: Site, items: dict[str, str]) -> None:
    """An RSS 2.0 feed listing each path with its ``pubDate`` as written."""
    listed = "".join(
        f"<item><title>{path}</title><link>{site.url(path)}</link><pubDate>{date}</pubDate></item>"
        for path, date in items.items()
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel>{listed}</channel></rss>'
    site.page("/feed.xml", body, "application/rss+xml")


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    settings = Settings(home=tmp_path / "archive")
    with Archive.open(settings.database_url, settings.store_url) as opened:
        yield opened


def test_implausible_dates_are_rejected_and_the_next_candidate_chosen(
    archive: Archive, tmp_path: Path
) -> None:
    three_days_on = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    with Site() as site:
        site.page("/robots.txt", "User-agent: *\n", "text/plain")
        site.page(
            "/placeholder.html",
            html("Placeholder", STORY * 3, json_ld("0001-01-01T00:00:00Z") + og(REAL)),
        )
        site.page("/epoch.html", html("Epoch", STORY[::-1] * 3, og("1970-01-01T00:00:00Z")))
        site.page(
            "/ahead.html",
            html("Ahead", "A harbour toll " * 20, json_ld(three_days_on.isoformat()) + og(REAL)),
        )
        site.page("/undated.html", html("Undated", "A lighthouse keeper " * 20))
        feed(
            site,
            {
                "/placeholder.html": "Mon, 02 Mar 2026 07:00:00 GMT",
                "/epoch.html": "Tue, 03 Mar 2026 09:30:00 GMT",
                "/ahead.html": "Mon, 02 Mar 2026 07:00:00 GMT",
                "/undated.html": "Mon, 01 Jan 0001 00:00:00 +0000",
            },
        )
        (report,) = asyncio.run(
            archive_outlets([outlet(site, "feed", "/feed.xml")], archive, options())
        ).values()
        assert {ending.outcome for ending in report.endings.values()} == {ArchiveOutcome.NEW}
        read = {
            path: archive.snapshot(site.url(path)).meta["extraction"]
            for path in ("/placeholder.html", "/epoch.html", "/ahead.html", "/undated.html")
        }

    def rejected(path: str) -> list[tuple[str, str, str]]:
        candidates = read[path]["date_candidates"]
        return [(c["source"], c["value"], c["rejected"]) for c in candidates if c["rejected"]]

    placeholder = read["/placeholder.html"]
    assert (placeholder["published"], placeholder["date_source"]) == (
        REAL,
        "meta:article:published_time",
    )
    assert rejected("/placeholder.html") == [
        ("json-ld:datePublished", "0001-01-01T00:00:00+00:00", BEFORE_THE_WEB)
    ]

    epoch = read["/epoch.html"]  # the page's only date is the epoch: the feed's date is next
    assert (epoch["published"], epoch["date_source"]) == (
        "2026-03-03T09:30:00+00:00",
        "discovery:feed",
    )
    assert rejected("/epoch.html") == [
        ("meta:article:published_time", "1970-01-01T00:00:00+00:00", BEFORE_THE_WEB)
    ]

    ahead = read["/ahead.html"]
    assert (ahead["published"], ahead["date_source"]) == (REAL, "meta:article:published_time")
    assert rejected("/ahead.html") == [("json-ld:datePublished", three_days_on.isoformat(), AHEAD)]

    undated = read["/undated.html"]  # the feed's year 0001 is read as written, not as 2001
    assert (undated["published"], undated["date_source"]) == (None, None)
    assert rejected("/undated.html") == [
        ("discovery:feed", "0001-01-01T00:00:00+00:00", BEFORE_THE_WEB)
    ]
