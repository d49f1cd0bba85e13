"""robots.txt kept in the catalog between polls: a poll that finds nothing new is the feed's
304 alone, the kept rules are still obeyed, and a copy a day old or a server error is asked
for again; in both crawl modes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from loopback import Reply, Site, html, options, outlet, rss

from newsarchive.archiving.fleet import FleetRun, poll
from newsarchive.archiving.robots import with_robots
from newsarchive.config import Settings
from newsarchive.records import OutletMemory, RobotsFile
from newsarchive.spiders.outlets import Outlet
from newsarchive.storage import Archive, Polled

DISALLOWING = "User-agent: *\nDisallow: /private/\n"
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@pytest.fixture
def site() -> Iterator[Site]:
    with Site() as served:
        served.page("/robots.txt", DISALLOWING, "text/plain")
        yield served


@pytest.fixture(params=["inprocess", "subprocess"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def publish(site: Site, paths: list[str]) -> Outlet:
    for path in paths:
        site.page(path, html(f"Article {path}", f"The text of {path}, long enough to keep. " * 5))
    rss(site, paths, "/feed.xml", ("ETag", f'"v{len(paths)}"'))
    return outlet(site, "feed", "/feed.xml")


def polled(archive: Archive, o: Outlet, tmp_path: Path, mode: str = "inprocess") -> FleetRun:
    """One fleet poll of ``o``, as ``poll_due`` runs it."""
    return asyncio.run(
        poll(archive, [o], replace(options(mode), polling=True), Settings(home=tmp_path))
    )


def test_a_poll_that_finds_nothing_new_asks_for_the_feed_alone(
    archive: Archive, site: Site, tmp_path: Path, mode: str
) -> None:
    o = publish(site, ["/a/0", "/a/1"])
    first = polled(archive, o, tmp_path, mode)
    assert site.paths()[0] == "/robots.txt" and first.reports[0].counts().new == 2
    before = len(site.paths())

    second = polled(archive, o, tmp_path, mode)

    assert site.paths()[before:] == ["/feed.xml"]
    (check,) = second.reports[0].crawl.documents  # type: ignore[union-attr]
    assert (check.status, check.unchanged) == (304, True)
    assert second.reports[0].crawl.robots == ()  # type: ignore[union-attr]


def test_the_kept_rules_are_obeyed_by_the_poll_that_did_not_ask(
    archive: Archive, site: Site, tmp_path: Path, mode: str
) -> None:
    first = polled(archive, publish(site, ["/a/0", "/private/p"]), tmp_path, mode)
    assert first.reports[0].skip_reasons()["refused"] == 1
    site.page("/robots.txt", "User-agent: *\n", "text/plain")  # unread until the copy is a day old
    before = len(site.paths())

    second = polled(archive, publish(site, ["/a/0", "/a/1", "/private/q"]), tmp_path, mode)

    assert sorted(site.paths()[before:]) == ["/a/1", "/feed.xml"]
    (report,) = second.reports
    assert report.counts().new == 1 and report.counts().skipped == 2
    assert report.skip_reasons() == {"known": 1, "refused": 1}
    (ending,) = [e for e in report.endings.values() if e.url == site.url("/private/q")]
    assert "robots.txt" in (ending.reason or "")


def test_a_copy_older_than_a_day_is_asked_for_again_and_replaced(
    archive: Archive, site: Site, tmp_path: Path
) -> None:
    stale = RobotsFile(site.origin, 200, b"", datetime.now(UTC) - timedelta(hours=25))
    archive.save_polls([], Polled(robots=[stale]))
    site.page("/robots.txt", "User-agent: *\n", "text/plain")

    polled(archive, publish(site, ["/a/0"]), tmp_path)

    assert site.paths()[0] == "/robots.txt"
    kept = archive.robots_files([site.origin], EPOCH)[site.origin]
    assert kept.body == b"User-agent: *\n" and kept.fetched_at > stale.fetched_at


def test_a_server_error_is_not_kept_and_the_next_poll_asks_again(
    archive: Archive, site: Site, tmp_path: Path
) -> None:
    site.route("/robots.txt", lambda _seen: Reply(503, b"busy"))
    o = publish(site, ["/a/0"])
    polled(archive, o, tmp_path)
    asked = len(site.hits("/robots.txt"))
    assert asked and archive.robots_files([site.origin], EPOCH) == {}

    polled(archive, o, tmp_path)

    assert len(site.hits("/robots.txt")) == 2 * asked


def test_each_fresh_copy_goes_with_the_first_outlet_whose_hosts_it_rules(
    archive: Archive,
) -> None:
    now = datetime.now(UTC)
    copies = [
        RobotsFile(place, 200, b"", now - timedelta(hours=1))
        for place in ("https://feeds.n.example", "https://www.n.example", "http://www.n.example")
    ]
    old = RobotsFile("https://old.n.example", 200, b"", now - timedelta(hours=25))
    archive.save_polls([], Polled(robots=[*copies, old]))
    feeds, www = (
        Outlet.model_validate(
            {
                "name": name,
                "kind": "feed",
                "start_urls": [f"https://{host}/feed.xml"],
                "allowed_domains": [host, other],
            }
        )
        for name, host, other in (
            ("feeds", "feeds.n.example", "www.n.example"),
            ("www", "www.n.example", "old.n.example"),
        )
    )
    revisit = OutletMemory(revisits=("https://feeds.n.example/a/1",))

    memory = with_robots(archive, [www, feeds], {"feeds": revisit}, now)

    assert memory["www"].robots == (copies[2], copies[1])  # not old.n.example's: stale
    assert memory["feeds"] == replace(revisit, robots=(copies[0],))
