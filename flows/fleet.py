"""The fleet flow: one run polls whatever outlets of a collection are due, in one crawl.

At fleet scale a poll creates no task run and no artifact of its own (at
2,000 outlets, making one progress artifact per outlet was 83 % of a
crawl's CPU): each outlet's outcome goes to the catalog
(:mod:`newsarchive.archiving.fleet`), and the run shows the fleet: one
table of its counts, the outlets whose state changed, the failing ones.
The alerts its changes raise are events, once per change, which the
automations of ``serve --notify`` turn into notifications.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any, cast

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.states import Completed, State
from pydantic import Field

from newsarchive.archiving.fleet import BATCH, poll_due
from newsarchive.archiving.plan import plan_outlets
from newsarchive.archiving.report import OutletRun
from newsarchive.archiving.work import worker_pool
from newsarchive.config import CrawlMode, load_settings
from newsarchive.errors import CrawlError
from newsarchive.flows.artifacts import publish_fleet_artifact
from newsarchive.flows.crawl import STOP_GRACE_SECONDS, scheduled_time, typed_name
from newsarchive.replay import Replica
from newsarchive.spiders.options import CrawlOptions
from newsarchive.storage import Archive
from newsarchive.termination import stop_within


def fleet_run_name() -> str:
    """``fleet default 2026-12-07 13:05Z``: the collection and when the cycle was due."""
    collection = flow_run.get_parameters().get("collection") or "all"
    return typed_name() or f"fleet {collection} {scheduled_time()}"


async def _cycle(
    collection: str | None, outlets_file: str | None, mode: CrawlMode | None, batch: int
) -> State[list[OutletRun]]:
    settings = load_settings()
    outlets = plan_outlets(settings, None, Path(outlets_file) if outlets_file else None)
    stand_in = Replica.when_asked(settings)
    if stand_in is not None:
        outlets = stand_in.outlets(outlets)
    options = CrawlOptions.from_settings(settings, mode)
    archive = await asyncio.to_thread(Archive.open, settings.database_url, settings.store_url)
    try:
        serving = stand_in.serving(outlets, options) if stand_in else nullcontext()
        with serving as rerouted, worker_pool(os.cpu_count() or 1) as pool:
            run = await poll_due(
                archive,
                outlets,
                rerouted or options,
                settings,
                collection=collection,
                batch=batch,
                extract_pool=pool,
            )
    finally:
        archive.close()
    await publish_fleet_artifact(run.reports, run.changes)
    runs = [report.summary() for report in run.reports]
    failing = sum(1 for run_ in runs if run_.failed)
    message = f"{len(runs)} outlet(s) polled, {failing} failing"
    get_run_logger().info(message)
    return Completed(message=message, data=runs)


@flow(name="crawl-fleet", flow_run_name=fleet_run_name, log_prints=True)
async def crawl_fleet(
    collection: str | None = None,
    outlets_file: str | None = None,
    mode: CrawlMode | None = None,
    batch: Annotated[int, Field(ge=1)] = BATCH,
) -> State[list[OutletRun]]:
    """Poll the outlets of ``collection`` (all collections when None) that are due now.

    Several runs at once (on several workers) share the due outlets: each
    claims ``batch`` of them at a time, and no outlet is polled by two.

    Args:
        collection: the outlets file's collection to poll (default: every collection).
        outlets_file: another outlets file (default: NEWSARCHIVE_OUTLETS or the built-in one).
        mode: where Scrapy runs (default: NEWSARCHIVE_CRAWL_MODE).
        batch: how many due outlets the run claims and crawls at once.
    """
    with stop_within(STOP_GRACE_SECONDS):
        return await _cycle(collection, outlets_file, mode, batch)


def run_fleet(
    collection: str | None, outlets_file: Path | None, mode: CrawlMode | None
) -> list[OutletRun]:
    """Run :func:`crawl_fleet` in this process; what it did for each outlet it polled.

    CrawlError when the run itself broke and has no outlets to report.
    """
    running = cast(
        "Coroutine[Any, Any, State[Any]]",
        crawl_fleet(
            collection, str(outlets_file) if outlets_file else None, mode, return_state=True
        ),
    )
    state = asyncio.run(running)
    runs = state.result(raise_on_failure=False)
    if not isinstance(runs, list):
        raise CrawlError(f"the fleet run ended {state.type.value.lower()}: {state.message}")
    return runs
