"""A receiver that is full holds the crawl back: fetched pages never pile up waiting for it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from loopback import Site, html, options, outlet, rss, settled

from newsarchive.records import Fetch
from newsarchive.spiders.runner import fetch_outlets
from newsarchive.spiders.settings import SCRAPER_BYTES

PAGES = [f"/a/{n}.html" for n in range(120)]
WORDS = "word " * 40_000  # 200 KB a page: the crawl's 1 MB scraper slot holds about 5


def test_a_full_receiver_holds_the_crawl_back_and_it_resumes(site: Site, mode: str) -> None:
    for path in PAGES:
        site.page(path, html("Story", WORDS))
    rss(site, PAGES)
    held = _held(site, mode, PAGES)
    assert held < len(PAGES) // 2  # held back: nowhere near every page was fetched


def test_small_answers_are_held_back_too(site: Site) -> None:
    """Scrapy counts a tiny answer (a 304, say) as 1 KB: 5,000 of them filled its default slot.

    In-process only: the crawl child's fetches wait in its pipe to the parent,
    which reads ahead by bytes (a line holds a whole page), not by fetches.
    """
    briefs = [f"/a/brief-{n}.html" for n in range(SCRAPER_BYTES // 1024 * 3 // 2)]
    for path in briefs:
        site.page(path, html("Brief"))
    rss(site, briefs)
    held = _held(site, "inprocess", briefs)
    assert held < len(briefs) * 3 // 4


def _held(site: Site, mode: str, paths: list[str]) -> int:
    """Requests the site had answered when a receiver that takes nothing held the crawl back.

    The receiver then takes everything; every page must have arrived.
    """
    received: list[Fetch] = []

    async def crawl() -> int:
        room = asyncio.Event()  # closed until the test opens it

        def on_fetch(fetch: Fetch) -> Awaitable[bool]:
            received.append(fetch)
            return room.wait()

        target = outlet(site, "feed", "/feed.xml", max_pages=len(paths) + 10)
        crawling = fetch_outlets([target], options=options(mode), on_fetch=on_fetch)
        task = asyncio.create_task(crawling)
        held = await settled(site)
        room.set()
        await task
        return held

    held = asyncio.run(crawl())
    assert sorted(f.url.removeprefix(site.origin) for f in received) == sorted(paths)
    return held
