"""robots.txt: a fresh copy the archive kept stands for the download, and its rules still hold;
what a crawl downloads comes back with the numbers of the outlet that asked, in both modes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from loopback import Reply, Site, html, outlet, rss, run

from newsarchive.records import FetchOutcome, OutletMemory, RobotsFile
from newsarchive.spiders.outlets import Outlet

DISALLOWING = b"User-agent: *\nDisallow: /private/\n"


def _feed(site: Site) -> Outlet:
    site.page("/a/1.html", html("One"))
    site.page("/private/a.html", html("Disallowed by the robots.txt"))
    return outlet(site, "feed", rss(site, ["/a/1.html", "/private/a.html"]))


def _memory(*copies: RobotsFile) -> dict[str, OutletMemory]:
    return {"testsite": OutletMemory(robots=copies)}


def _copy(site: Site, age: timedelta, status: int = 200, body: bytes = DISALLOWING) -> RobotsFile:
    return RobotsFile(site.origin, status, body, datetime.now(UTC) - age)


def test_a_downloaded_robots_txt_goes_back_with_the_outlet_that_asked(
    site: Site, mode: str
) -> None:
    before = datetime.now(UTC)
    records, stats = run([_feed(site)], mode)

    (copy,) = stats["testsite"].robots
    assert (copy.location, copy.status, copy.body) == (site.origin, 200, DISALLOWING)
    assert before <= copy.fetched_at <= datetime.now(UTC)
    assert {r.url: r.outcome for r in records} == {
        site.url("/a/1.html"): FetchOutcome.FETCHED,
        site.url("/private/a.html"): FetchOutcome.REFUSED,
    }


def test_a_fresh_copy_stands_for_the_download_and_its_rules_still_hold(
    site: Site, mode: str
) -> None:
    site.page("/robots.txt", "User-agent: *\n", "text/plain")  # the site's own allows all now
    kept = _copy(site, timedelta(hours=23))

    records, stats = run([_feed(site)], mode, memory=_memory(kept))

    assert "/robots.txt" not in site.paths() and "/private/a.html" not in site.paths()
    (refused,) = [r for r in records if r.url == site.url("/private/a.html")]
    assert refused.outcome is FetchOutcome.REFUSED and "robots.txt" in (refused.error or "")
    assert stats["testsite"].robots == ()


def test_a_copy_older_than_a_day_is_downloaded_again(site: Site) -> None:
    site.page("/robots.txt", "User-agent: *\n", "text/plain")
    stale = _copy(site, timedelta(hours=24, minutes=1))

    records, stats = run([_feed(site)], memory=_memory(stale))

    assert site.paths()[0] == "/robots.txt"
    assert {r.outcome for r in records} == {FetchOutcome.FETCHED}
    (copy,) = stats["testsite"].robots
    assert copy.body == b"User-agent: *\n" and copy.fetched_at > stale.fetched_at


def test_a_kept_4xx_allows_everything_whatever_its_body_says(site: Site) -> None:
    missing = _copy(site, timedelta(hours=1), 404, b"User-agent: *\nDisallow: /\n")

    records, _ = run([_feed(site)], memory=_memory(missing))

    assert "/robots.txt" not in site.paths()
    assert {r.outcome for r in records} == {FetchOutcome.FETCHED}


def test_a_copy_of_another_origin_stands_for_nothing(site: Site) -> None:
    elsewhere = RobotsFile("http://127.0.0.2:1", 200, b"", datetime.now(UTC))

    _, stats = run([_feed(site)], memory=_memory(elsewhere))

    assert site.paths()[0] == "/robots.txt" and len(stats["testsite"].robots) == 1


@pytest.mark.parametrize(("status", "kept"), [(404, True), (410, True), (503, False), (429, False)])
def test_a_4xx_is_kept_and_a_server_error_is_not(
    site: Site, mode: str, status: int, kept: bool
) -> None:
    site.route("/robots.txt", lambda _seen: Reply(status, b"User-agent: *\nDisallow: /\n"))

    records, stats = run([_feed(site)], mode)

    assert [copy.status for copy in stats["testsite"].robots] == ([status] if kept else [])
    if kept:  # no rules: the 4xx's body is not read as any
        assert {r.outcome for r in records} == {FetchOutcome.FETCHED}


def test_outlets_sharing_a_host_download_its_robots_txt_once(site: Site, mode: str) -> None:
    site.page("/b/1.html", html("Two"))
    outlets = [_feed(site), outlet(site, "feed", rss(site, ["/b/1.html"], "/b.xml"), name="b")]

    _, stats = run(outlets, mode)

    assert len(site.hits("/robots.txt")) == 1
    assert [copy.status for s in stats.values() for copy in s.robots] == [200]
