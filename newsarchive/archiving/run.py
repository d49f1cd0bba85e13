"""One crawl run: the spiders feed the capture lane as pages arrive.

Scrapy fetches on the event loop; each fetch is handed to a small thread pool
that takes it down the capture lane (:mod:`capture`: worked on in a process
pool, then filed), so the crawl does not wait for extraction and both cores
work, until ``IN_FLIGHT`` fetches are on their way: then the crawl waits for
room.  The Prefect flows wrap this function; the tests and the benchmark
call it directly.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass

from newsarchive.archiving.capture import CaptureLane
from newsarchive.archiving.report import OutletReport
from newsarchive.records import Fetch
from newsarchive.spiders.outlets import Outlet
from newsarchive.spiders.runner import CrawlOptions, CrawlStats, fetch_outlets
from newsarchive.storage import Archive

STORE_THREADS = 4
IN_FLIGHT = 4 * STORE_THREADS
"""Fetches handed to the storage threads and not yet filed, at most.

Enough to keep every thread and every worker process busy; beyond it the
crawl is held back (see :func:`fetch_outlets`), so pages fetched faster than
they can be filed never queue up in memory without bound.
"""
PROGRESS_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Progress:
    """How far one outlet's crawl has come, while it runs."""

    outlet: str
    fetched: int  # pages received so far
    filed: int  # discovered URLs that have ended (archived, skipped or failed)
    budget: int  # the most requests the crawl may make
    done: bool = False

    @property
    def share(self) -> float:
        """Filed against the budget, 0 to 1 (1 once done): the budget bounds the work to come."""
        if self.done or not self.budget:
            return 1.0
        return min(1.0, self.filed / self.budget)


ProgressCallback = Callable[[list[Progress]], Awaitable[None]]


async def archive_outlets(
    outlets: Sequence[Outlet],
    archive: Archive,
    options: CrawlOptions,
    *,
    extract_pool: Executor | None = None,
    on_progress: ProgressCallback | None = None,
) -> dict[str, OutletReport]:
    """Crawl the outlets once and file every fetch; returns one report per outlet.

    Captures whose extraction an earlier run never filed (a crash between
    storing the raw page and filing its text) are redone first.
    ``on_progress`` is awaited every few seconds while the crawl runs.
    """
    lane = CaptureLane.for_outlets(archive, list(outlets), extract_pool)
    for outlet in outlets:
        await asyncio.to_thread(lane.redo, outlet.name)
    # Handed over and not yet filed, and any that raised or was cancelled: kept to be awaited
    # (and to raise) at the end; never every fetch of the run, whose number has no bound.
    unsettled: set[Future[None]] = set()
    ticker = asyncio.create_task(_tick(on_progress, outlets, lane)) if on_progress else None
    try:
        with ThreadPoolExecutor(max_workers=STORE_THREADS, thread_name_prefix="archive") as pool:
            room = asyncio.Semaphore(IN_FLIGHT)
            loop = asyncio.get_running_loop()

            def settled(future: Future[None]) -> None:
                room.release()
                if not future.cancelled() and future.exception() is None:
                    unsettled.discard(future)

            async def on_fetch(fetch: Fetch) -> None:
                await room.acquire()  # the crawl waits here while the archive is full
                future = pool.submit(lane.process, fetch)
                unsettled.add(future)
                future.add_done_callback(lambda done: loop.call_soon_threadsafe(settled, done))

            stats = await fetch_outlets(
                outlets, options=options, on_fetch=on_fetch, known=archive.validators
            )
            for future in list(unsettled):
                await asyncio.wrap_future(future)
    finally:
        if ticker is not None:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
    for outlet in outlets:
        _absorb(lane.report(outlet.name), stats.get(outlet.name) or CrawlStats())
    if on_progress is not None:
        await on_progress(_progress(outlets, lane, done=True))
    return {o.name: lane.report(o.name) for o in outlets}


def _absorb(report: OutletReport, stats: CrawlStats) -> None:
    """The crawl's own numbers: what was discovered, skipped unrequested, read."""
    report.crawled = True
    report.discovered = stats.discovered
    report.unrequested = Counter(stats.skipped)
    report.documents_read = stats.documents_read
    report.document_error = stats.document_error


def _progress(
    outlets: Sequence[Outlet], lane: CaptureLane, *, done: bool = False
) -> list[Progress]:
    return [
        Progress(o.name, lane.report(o.name).fetched, lane.report(o.name).filed, o.max_pages, done)
        for o in outlets
    ]


async def _tick(callback: ProgressCallback, outlets: Sequence[Outlet], lane: CaptureLane) -> None:
    while True:
        await asyncio.sleep(PROGRESS_SECONDS)
        await callback(_progress(outlets, lane))
