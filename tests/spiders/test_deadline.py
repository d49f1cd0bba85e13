"""The crawl deadline: a crawl of slow pages stops sending requests and ends with what it has."""

from __future__ import annotations

import asyncio
import dataclasses
import time

import pytest
from loopback import Reply, Seen, Site, html, options, outlet, rss

from newsarchive.records import Fetch, FetchOutcome
from newsarchive.spiders.runner import fetch_outlets
from newsarchive.spiders.stats import DEADLINE_REASON

ARTICLES = 20
PAGE_SECONDS = 1.0
DEADLINE = 3.0


def slow_site(site: Site) -> str:
    """A feed of ``ARTICLES`` articles, each answered after ``PAGE_SECONDS``."""

    def slow(seen: Seen) -> Reply:
        time.sleep(PAGE_SECONDS)
        return Reply(200, html(f"Story {seen.path}").encode())

    paths = [f"/a/{n}.html" for n in range(ARTICLES)]
    for path in paths:
        site.route(path, slow)
    return rss(site, paths)


@pytest.mark.timeout(120)
def test_a_crawl_of_slow_pages_ends_at_its_deadline_with_what_it_fetched(
    site: Site, mode: str
) -> None:
    feed = slow_site(site)
    crawled = outlet(site, "feed", feed, concurrency=1)
    records: list[Fetch] = []
    stats = asyncio.run(
        fetch_outlets(
            [crawled],
            options=dataclasses.replace(options(mode), deadline=DEADLINE),
            on_fetch=records.append,
        )
    )

    numbers = stats["testsite"]
    fetched = [r for r in records if r.outcome is FetchOutcome.FETCHED]
    sent = [path for path in site.paths() if path.startswith("/a/")]
    # Without the deadline: 20 pages one after another, 20 s at the site at least. Timed by
    # the site's own log, from the feed to the last page asked for: a loaded machine's slow
    # start of the crawl (a child process in one mode) is no part of it.
    arrivals = [seen.at for seen in site.requests if seen.path != "/robots.txt"]
    assert max(arrivals) - min(arrivals) < DEADLINE + 2 * PAGE_SECONDS
    assert numbers.finish_reason == DEADLINE_REASON
    assert 1 <= len(fetched) == len(sent) < ARTICLES  # every page sent was received and handed on
    assert numbers.discovered == ARTICLES
    assert numbers.skipped == {"deadline": ARTICLES - len(sent)}
    assert numbers.cut_by_deadline == ARTICLES - len(sent)
    # What the site saw of the outlet's requests; the ones taken back unsent do not count.
    assert numbers.requests == len([path for path in site.paths() if path != "/robots.txt"])


def test_a_crawl_that_ends_in_time_is_not_cut(site: Site, mode: str) -> None:
    feed = rss(site, ["/a/1.html"])
    site.page("/a/1.html", html("Story"))
    stats = asyncio.run(
        fetch_outlets(
            [outlet(site, "feed", feed)],
            options=dataclasses.replace(options(mode), deadline=60.0),
            on_fetch=lambda _fetch: None,
        )
    )
    assert stats["testsite"].finish_reason == "finished"
    assert stats["testsite"].cut_by_deadline == 0
