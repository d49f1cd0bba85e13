"""The runner: many crawls in one process, politeness, callback failures."""

from __future__ import annotations

import asyncio
import itertools

from loopback import UA, Site, html, options, outlet, rss, run

from newsarchive.records import Fetch, FetchOutcome
from newsarchive.spiders.runner import fetch_outlets


def test_two_crawls_in_one_process_both_work(site: Site) -> None:
    site.page("/a/1.html", html("One"))
    feed = rss(site, ["/a/1.html"])
    first, _ = run([outlet(site, "feed", feed)])
    second, _ = run([outlet(site, "feed", feed)])
    assert [r.outcome for r in first] == [FetchOutcome.FETCHED]
    assert [r.outcome for r in second] == [FetchOutcome.FETCHED]
    assert len(site.hits("/a/1.html")) == 2


def test_concurrent_outlets_on_one_loop(site: Site) -> None:
    site.page("/a/1.html", html("One"))
    site.page("/b/1.html", html("Two"))
    outlets = [
        outlet(site, "feed", rss(site, ["/a/1.html"], "/a.xml"), name="alpha"),
        outlet(site, "feed", rss(site, ["/b/1.html"], "/b.xml"), name="beta"),
    ]
    records: list[Fetch] = []

    async def both() -> None:
        await asyncio.gather(
            fetch_outlets(outlets[:1], options=options(), on_fetch=records.append),
            fetch_outlets(outlets[1:], options=options(), on_fetch=records.append),
        )

    asyncio.run(both())
    assert sorted((r.outlet, r.outcome) for r in records) == [
        ("alpha", FetchOutcome.FETCHED),
        ("beta", FetchOutcome.FETCHED),
    ]


def test_on_fetch_errors_are_counted_not_fatal(site: Site, mode: str) -> None:
    for n in range(3):
        site.page(f"/a/{n}.html", html(f"Story {n}"))
    feed = rss(site, [f"/a/{n}.html" for n in range(3)])
    seen: list[str] = []

    def flaky(fetch: Fetch) -> None:
        seen.append(fetch.url)
        if fetch.url.endswith("/1.html"):
            raise RuntimeError("storage is down")

    stats = asyncio.run(
        fetch_outlets([outlet(site, "feed", feed)], options=options(mode), on_fetch=flaky)
    )
    assert len(seen) == 3
    assert stats["testsite"].callback_errors == 1
    assert stats["testsite"].fetched == 3


def test_download_delay_spaces_requests(site: Site) -> None:
    paths = [f"/a/{n}.html" for n in range(5)]
    for path in paths:
        site.page(path, html(path))
    feed = rss(site, paths)
    run([outlet(site, "feed", feed, download_delay=0.3, concurrency=1)])

    times = sorted(seen.at for seen in site.requests)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert len(gaps) == 6  # robots.txt, feed, five articles
    # DOWNLOAD_DELAY_JITTER waits 0.5x to 1.5x the delay; AutoThrottle never goes lower
    assert min(gaps) >= 0.3 * 0.5
    assert all(seen.headers["User-Agent"] == UA for seen in site.requests)


def test_options_come_from_settings_and_a_flow_may_choose_the_mode() -> None:
    from newsarchive.config import CrawlMode, load_settings
    from newsarchive.spiders.runner import CrawlOptions

    settings = load_settings(user_agent=UA, max_response_size=12345, crawl_mode="subprocess")
    assert CrawlOptions.from_settings(settings) == CrawlOptions(
        UA, 12345, 30, CrawlMode.SUBPROCESS, deadline=900.0
    )
    chosen = CrawlOptions.from_settings(settings, CrawlMode.INPROCESS)
    assert chosen.mode is CrawlMode.INPROCESS
