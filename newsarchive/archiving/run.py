"""One crawl run: the spiders feed the capture filer as pages arrive.

Scrapy fetches on the event loop; each fetch is handed to a small thread pool
that stores it and waits for its extraction in a process pool, so the crawl
never waits for extraction and both cores work.  The Prefect flows wrap this
function; the CLI's ``reextract``, the tests and the benchmark call the
same code directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor

from newsarchive.archiving.capture import CaptureFiler
from newsarchive.archiving.report import OutletReport
from newsarchive.records import ArchiveOutcome, Fetch
from newsarchive.spiders.outlets import Outlet
from newsarchive.spiders.runner import CrawlOptions, fetch_outlets
from newsarchive.storage import Archive

STORE_THREADS = 4


async def archive_outlets(
    outlets: Sequence[Outlet],
    archive: Archive,
    options: CrawlOptions,
    *,
    extract_pool: Executor | None = None,
) -> dict[str, OutletReport]:
    """Crawl the outlets once and file every fetch; returns one report per outlet.

    Captures whose extraction an earlier run never filed (a crash between
    storing the raw page and filing its text) are redone first.
    """
    filer = CaptureFiler.for_outlets(archive, list(outlets), extract_pool)
    for outlet in outlets:
        await asyncio.to_thread(filer.redo_unextracted, outlet.name)
    known = {o.name: archive.known_validators(o.name) for o in outlets}
    pending: list[Future[ArchiveOutcome]] = []
    with ThreadPoolExecutor(max_workers=STORE_THREADS, thread_name_prefix="archive") as pool:

        def on_fetch(fetch: Fetch) -> None:
            pending.append(pool.submit(filer.process, fetch))

        stats = await fetch_outlets(outlets, options=options, on_fetch=on_fetch, known=known)
        for future in pending:
            await asyncio.wrap_future(future)
    for name, outlet_stats in stats.items():
        filer.report(name).discovered = outlet_stats.discovered
    return {o.name: filer.report(o.name) for o in outlets}
