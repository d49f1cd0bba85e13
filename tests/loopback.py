"""Crawl helpers over the project's loopback server (newsarchive.replay.server).

Tests declare the routes of a tiny web site, run a real crawl against it and
then read the server-side log: what was requested, with which headers, when.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from newsarchive.config import CrawlMode
from newsarchive.records import Fetch, Validators
from newsarchive.replay.server import LoopbackServer as Site
from newsarchive.replay.server import Reply
from newsarchive.replay.server import Request as Seen
from newsarchive.spiders.known import Known
from newsarchive.spiders.outlets import Outlet
from newsarchive.spiders.runner import CrawlOptions, CrawlStats, fetch_outlets

__all__ = ["UA", "Reply", "Seen", "Site", "html", "options", "outlet", "rss", "run", "settled"]

UA = "newsarchive-test/1.0 (+https://example.org/contact)"


def outlet(site: Site, kind: str, start: str | list[str], **fields: Any) -> Outlet:
    starts = [start] if isinstance(start, str) else start
    data: dict[str, Any] = {
        "name": fields.pop("name", "testsite"),
        "kind": kind,
        "start_urls": [site.url(path) for path in starts],
        "allowed_domains": ["127.0.0.1"],
        "download_delay": 0,
        "concurrency": 4,
        "max_pages": 50,
    }
    data.update(fields)
    return Outlet.model_validate(data)


def options(mode: str = "inprocess", max_size: int = 1024 * 1024) -> CrawlOptions:
    return CrawlOptions(
        user_agent=UA, max_response_size=max_size, download_timeout=10, mode=CrawlMode(mode)
    )


def run(
    outlets: list[Outlet],
    mode: str = "inprocess",
    known: Known | None = None,
    **kwargs: Any,
) -> tuple[list[Fetch], dict[str, CrawlStats]]:
    """Crawl synchronously; returns the records in arrival order and the stats."""
    records: list[Fetch] = []
    max_size = kwargs.pop("max_size", 1024 * 1024)
    stats = asyncio.run(
        fetch_outlets(
            outlets,
            options=options(mode, max_size),
            on_fetch=records.append,
            known=known,
            **kwargs,
        )
    )
    return records, stats


def from_table(table: Mapping[str, Mapping[str, Validators]]) -> Known:
    """The archive's answer as a lookup in validators given here: outlet -> key -> validators."""

    def lookup(outlet: str, keys: Sequence[str]) -> Mapping[str, Validators]:
        held = table.get(outlet, {})
        return {key: held[key] for key in keys if key in held}

    return lookup


def html(title: str, body: str = "", head: str = "") -> str:
    return (
        f"<!doctype html><html><head><title>{title}</title>{head}</head>"
        f"<body><h1>{title}</h1><p>{body or 'Some article text.'}</p></body></html>"
    )


def rss(
    site: Site, paths: list[str], feed_path: str = "/feed.xml", *headers: tuple[str, str]
) -> str:
    """Publish an RSS 2.0 feed at ``feed_path`` listing ``paths`` (or absolute URLs)."""
    urls = [p if p.startswith("http") else site.url(p) for p in paths]
    items = "".join(
        f"<item><title>Item {n}</title><link>{url.replace('&', '&amp;')}</link></item>"
        for n, url in enumerate(urls)
    )
    site.page(
        feed_path,
        f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>',
        "application/rss+xml",
        *headers,
    )
    return feed_path


async def settled(site: Site, prefix: str = "/a/") -> int:
    """The requests for paths under ``prefix`` served once the crawl has stopped asking for more."""
    last, still = -1, 0
    for _ in range(300):
        await asyncio.sleep(0.1)
        served = sum(1 for path in site.paths() if path.startswith(prefix))
        still = still + 1 if served == last else 0
        if still >= 20 and served:
            return served
        last = served
    raise AssertionError("the crawl never stood still")
