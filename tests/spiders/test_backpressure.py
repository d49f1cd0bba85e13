"""A receiver that is full holds the crawl back: fetched pages never pile up waiting for it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from loopback import Site, html, options, outlet, rss, settled

from newsarchive.records import Fetch
from newsarchive.spiders.runner import fetch_outlets

PAGES = [f"/a/{n}.html" for n in range(120)]
WORDS = "word " * 40_000  # 200 KB a page: Scrapy's 5 MB scraper slot holds about 25


def test_a_full_receiver_holds_the_crawl_back_and_it_resumes(site: Site, mode: str) -> None:
    for path in PAGES:
        site.page(path, html("Story", WORDS))
    rss(site, PAGES)
    received: list[Fetch] = []

    async def crawl() -> int:
        room = asyncio.Event()  # closed until the test opens it

        def on_fetch(fetch: Fetch) -> Awaitable[bool]:
            received.append(fetch)
            return room.wait()

        target = outlet(site, "feed", "/feed.xml", max_pages=200)
        crawling = fetch_outlets([target], options=options(mode), on_fetch=on_fetch)
        task = asyncio.create_task(crawling)
        held = await settled(site)
        room.set()
        await task
        return held

    held = asyncio.run(crawl())
    assert held < len(PAGES) // 2  # held back: nowhere near every page was fetched
    assert sorted(f.url.removeprefix(site.origin) for f in received) == sorted(PAGES)
