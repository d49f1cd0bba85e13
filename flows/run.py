"""A whole crawl run without Prefect: spiders feed the capture pipeline as pages arrive.

Scrapy fetches on the event loop; each fetch is handed to a small thread pool
that stores it and waits for its extraction in a process pool, so the crawl
never waits for extraction and both cores work.  The Prefect flows wrap this
function; tests call it directly.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor

from newsarchive.config import Settings
from newsarchive.flows.pipeline import CapturePipeline, OutletReport
from newsarchive.flows.plan import LiveIdentity, ReplayIdentity
from newsarchive.records import ArchiveOutcome, Fetch
from newsarchive.spiders.outlets import Outlet
from newsarchive.spiders.runner import crawl, crawl_options
from newsarchive.storage import Archive

STORE_THREADS = 4


def _as_archived(fetch: Fetch, identity: LiveIdentity | ReplayIdentity) -> Fetch:
    url = identity.archive_url(fetch.url)
    if url == fetch.url:
        return fetch
    capture = fetch.capture and dataclasses.replace(fetch.capture, url=url)
    return dataclasses.replace(fetch, url=url, capture=capture)


async def crawl_and_archive(
    outlets: Sequence[Outlet],
    settings: Settings,
    archive: Archive,
    *,
    identity: LiveIdentity | ReplayIdentity | None = None,
    extract_pool: Executor | None = None,
) -> dict[str, OutletReport]:
    """Crawl the outlets once and file every fetch; returns one report per outlet.

    Captures whose extraction an earlier run never filed (a crash between
    storing the raw page and filing its text) are redone first.
    """
    identity = identity or LiveIdentity()
    pipeline = CapturePipeline.for_outlets(archive, list(outlets), extract_pool)
    for outlet in outlets:
        await asyncio.to_thread(pipeline.redo_unextracted, outlet.name)
    known = {
        o.name: {
            identity.crawl_url(url, o.name): validators
            for url, validators in archive.known_validators(o.name).items()
        }
        for o in outlets
    }
    pending: list[Future[ArchiveOutcome]] = []
    with ThreadPoolExecutor(max_workers=STORE_THREADS, thread_name_prefix="archive") as pool:

        def on_fetch(fetch: Fetch) -> None:
            pending.append(pool.submit(pipeline.process, _as_archived(fetch, identity)))

        stats = await crawl(
            outlets, options=crawl_options(settings), on_fetch=on_fetch, known=known
        )
        for future in pending:
            await asyncio.wrap_future(future)
    for name, outlet_stats in stats.items():
        pipeline.report(name).discovered = outlet_stats.discovered
    return {o.name: pipeline.report(o.name) for o in outlets}
