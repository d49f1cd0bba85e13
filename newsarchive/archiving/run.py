"""One crawl run: the spiders feed the capture lane as pages arrive.

Scrapy fetches on the event loop; each fetch is handed to a small thread pool
that takes it down the capture lane (:mod:`capture`: worked on in a process
pool, then filed), so the crawl does not wait for extraction and both cores
work, until ``IN_FLIGHT`` fetches are on their way: then the crawl waits for
room.  When the storage keeps failing, the lane stops the crawl, and the
run ends in :class:`~newsarchive.archiving.capture.StorageOutage`.  The
Prefect flows wrap this function; the tests and the benchmark call it
directly.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor

from newsarchive.archiving.capture import CaptureLane, StorageOutage
from newsarchive.archiving.report import OutletReport
from newsarchive.records import Fetch, OutletMemory, Progress
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


ProgressCallback = Callable[[list[Progress]], Awaitable[None]]


async def archive_outlets(
    outlets: Sequence[Outlet],
    archive: Archive,
    options: CrawlOptions,
    *,
    memory: Mapping[str, OutletMemory] | None = None,
    extract_pool: Executor | None = None,
    on_progress: ProgressCallback | None = None,
) -> dict[str, OutletReport]:
    """Crawl the outlets once and file every fetch; returns one report per outlet.

    ``memory`` is what the archive knows of each outlet before a poll
    (:func:`newsarchive.spiders.runner.fetch_outlets`).

    Captures whose extraction an earlier run never filed (a crash between
    storing the raw page and filing its text) are redone first.
    ``on_progress`` is awaited every few seconds while the crawl runs.
    When the storage keeps failing the crawl stops early, and
    :class:`~newsarchive.archiving.capture.StorageOutage` carries the reports.
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

            crawl = asyncio.ensure_future(
                fetch_outlets(
                    outlets,
                    options=options,
                    on_fetch=on_fetch,
                    known=archive.validators,
                    memory=memory,
                )
            )

            def stop_crawl() -> None:  # called on a storage thread
                loop.call_soon_threadsafe(crawl.cancel)

            lane.on_outage = stop_crawl
            stats = await _crawled(crawl, lane)
            for future in list(unsettled):
                await asyncio.wrap_future(future)
    finally:
        if ticker is not None:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
    for outlet in outlets:
        lane.report(outlet.name).crawl = stats.get(outlet.name) or CrawlStats()
    if on_progress is not None:
        await on_progress(_progress(outlets, lane, ended=True))
    reports = {o.name: lane.report(o.name) for o in outlets}
    if lane.outage is not None:
        raise StorageOutage(lane.outage, reports)
    return reports


async def _crawled(
    crawl: asyncio.Future[dict[str, CrawlStats]], lane: CaptureLane
) -> dict[str, CrawlStats]:
    """The crawl's numbers; none when the lane stopped it because the storage kept failing.

    A cancellation from outside (the run itself stopped) goes on as one.
    """
    try:
        return await crawl
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if lane.outage is None or (current is not None and current.cancelling()):
            raise
        return {}


def _progress(
    outlets: Sequence[Outlet], lane: CaptureLane, *, ended: bool = False
) -> list[Progress]:
    """Each outlet's progress; once the crawl ended, done only for those that did their work."""
    reports = [(outlet, lane.report(outlet.name)) for outlet in outlets]
    return [
        Progress(o.name, r.fetched, r.filed, o.max_pages, ended and r.did_its_work())
        for o, r in reports
    ]


async def _tick(callback: ProgressCallback, outlets: Sequence[Outlet], lane: CaptureLane) -> None:
    while True:
        await asyncio.sleep(PROGRESS_SECONDS)
        await callback(_progress(outlets, lane))
