"""Prefect flows that crawl outlets on a schedule and publish what each run archived.

The work itself is the capture core's (:mod:`newsarchive.archiving`); this
module adds what orchestration gives operators: settings loaded once at the
flow's entry, run names that say which outlet and when, states that say the
truth (an outlet that could not be crawled at all fails its task, and the run
fails naming it; single failed pages do not), retries only where a retry can
help (the catalog or S3 briefly away), a per-domain concurrency limit so two
runs never hammer one site, progress while a crawl runs, and artifacts.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Sequence
from concurrent.futures import Executor
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC
from typing import Any, cast

from prefect import Task, flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import TaskRun
from prefect.runtime import flow_run
from prefect.states import Completed, Failed, State

from newsarchive.archiving.plan import plan_outlets
from newsarchive.archiving.report import OutletReport
from newsarchive.archiving.run import archive_outlets
from newsarchive.archiving.sites import holding_sites, site_names
from newsarchive.archiving.work import worker_pool
from newsarchive.config import CrawlMode, Settings, load_settings
from newsarchive.errors import StorageError
from newsarchive.flows.artifacts import ProgressArtifacts, publish_run_artifacts
from newsarchive.replay import replayed
from newsarchive.spiders.outlets import Outlet
from newsarchive.spiders.settings import CrawlOptions
from newsarchive.storage import Archive
from newsarchive.termination import stop_within

STOP_GRACE_SECONDS = 6  # SIGTERM to exit, when the graceful path (about 2 s) is lost


def _retry_when_storage_was_away(task: Task[..., Any], run: TaskRun, state: State) -> bool:
    """Retry a task only when the catalog or the store failed: a site that is down stays down.

    Prefect hands the condition the failed state with the exception as its data.
    """
    return isinstance(state.data, StorageError)


@task(
    name="crawl-and-archive",
    task_run_name="crawl {outlet.name}",
    retries=2,
    retry_delay_seconds=[10, 60],
    retry_condition_fn=_retry_when_storage_was_away,
    cache_policy=NO_CACHE,
)
async def archive_outlet(
    outlet: Outlet,
    settings: Settings,
    options: CrawlOptions,
    extract_pool: Executor | None,
    ledger: OutletReport,
) -> State[OutletReport]:
    """Discover, fetch, extract, deduplicate and store one outlet, holding its domains' slots.

    A retry is safe: the archive is idempotent and already stored pages come
    back as conditional refetches; every attempt adds to ``ledger``, so the
    run reports what all its attempts did.  The task fails, with the reason
    as its state message, when the outlet could not be crawled at all.
    """
    logger = get_run_logger()
    archive = await asyncio.to_thread(Archive.open, settings.database_url, settings.store_url)
    try:
        async with holding_sites(archive, site_names(outlet)):
            reports = await archive_outlets(
                [outlet],
                archive,
                options,
                extract_pool=extract_pool,
                on_progress=ProgressArtifacts(),
            )
    finally:
        archive.close()
    ledger.absorb(reports[outlet.name])
    for url, reason in ledger.failures:
        logger.warning("%s: failed %s: %s", outlet.name, url, reason)
    failure = ledger.failure()
    if failure:
        logger.error("%s could not be crawled: %s", outlet.name, failure)
        return Failed(message=f"{outlet.name}: {failure}", data=ledger)
    logger.info(
        "%s: %s",
        outlet.name,
        ", ".join(f"{k} {v}" for k, v in ledger.row().items() if k != "outlet"),
    )
    return Completed(data=ledger)


def _awaitable_state(call: object) -> Awaitable[State[Any]]:
    """A task called with ``return_state=True``: Prefect's stubs type the awaitable as a State."""
    return cast(Awaitable[State[Any]], call)


def _stand_in(
    outlets: list[Outlet], options: CrawlOptions, replay: bool, day: int
) -> AbstractContextManager[tuple[list[Outlet], CrawlOptions]]:
    """The offline replica while the run lasts when ``replay``; the live sites otherwise."""
    return replayed(outlets, options, day=day) if replay else nullcontext((outlets, options))


async def _outcome(state: State[Any], ledger: OutletReport) -> None:
    """Put into the ledger why a task that did not report (it raised, crashed) ended so."""
    result = await state.aresult(raise_on_failure=False)
    if isinstance(result, BaseException):
        reason = str(result).splitlines()[0] if str(result) else type(result).__name__
        ledger.crawl_error = f"crawl broke off: {reason}"


async def _run_outlets(
    names: Sequence[str] | None,
    outlets_file: str | None,
    replay: bool,
    day: int,
    mode: CrawlMode | None,
) -> State[list[dict[str, Any]]]:
    with stop_within(STOP_GRACE_SECONDS):
        return await _archive_planned(names, outlets_file, replay, day, mode)


async def _archive_planned(
    names: Sequence[str] | None,
    outlets_file: str | None,
    replay: bool,
    day: int,
    mode: CrawlMode | None,
) -> State[list[dict[str, Any]]]:
    settings = load_settings()  # once, at the flow's entry; everything below is handed it
    planned = [o for o in plan_outlets(settings, names, outlets_file) if o.enabled or names]
    ledgers = {outlet.name: OutletReport(outlet.name) for outlet in planned}
    with (
        _stand_in(planned, CrawlOptions.from_settings(settings, mode), replay, day) as (
            outlets,
            options,
        ),
        worker_pool(os.cpu_count() or 1) as pool,
    ):
        states = await asyncio.gather(
            *(
                _awaitable_state(
                    archive_outlet(o, settings, options, pool, ledgers[o.name], return_state=True)
                )
                for o in outlets
            )
        )
    for outlet, state in zip(outlets, states, strict=True):
        await _outcome(state, ledgers[outlet.name])
    reports = [ledgers[o.name] for o in outlets]
    await publish_run_artifacts(reports, outlets, settings)
    rows = [report.summary() for report in reports]
    failed = [f"{row['outlet']} ({row['reason']})" for row in rows if row["status"] == "failed"]
    if failed:
        message = f"{len(failed)} of {len(rows)} outlets could not be crawled: {'; '.join(failed)}"
        return Failed(message=message, data=rows)
    return Completed(message=f"{len(rows)} outlet(s) crawled", data=rows)


def outlet_run_name() -> str:
    """``joongang 2026-11-25 13:00Z``: the outlet and the time the run was scheduled for."""
    parameters = flow_run.get_parameters()
    replay = " replay" if parameters.get("replay") else ""
    return f"{parameters.get('outlet', '?')}{replay} {_scheduled()}"


def outlets_run_name() -> str:
    """``joongang+sputnik 2026-11-25 13:00Z``, or ``all outlets ...`` when none were named."""
    parameters = flow_run.get_parameters()
    names = "+".join(parameters.get("outlets") or []) or "all outlets"
    replay = " replay" if parameters.get("replay") else ""
    return f"{names}{replay} {_scheduled()}"


def _scheduled() -> str:
    return f"{flow_run.get_scheduled_start_time().astimezone(UTC):%Y-%m-%d %H:%M}Z"


@flow(name="crawl-outlet", flow_run_name=outlet_run_name, log_prints=True)
async def crawl_outlet(
    outlet: str,
    outlets_file: str | None = None,
    replay: bool = False,
    replay_day: int = 1,
    mode: CrawlMode | None = None,
) -> State[list[dict[str, Any]]]:
    """Crawl one outlet now and archive what is new or changed.

    Args:
        outlet: the outlet's name in the outlets file.
        outlets_file: another outlets file (default: NEWSARCHIVE_OUTLETS or the built-in one).
        replay: crawl the bundled offline replica of the outlet instead of its live site.
        replay_day: which day of the replica (2: one article changed, one republished, one gone).
        mode: where Scrapy runs (default: NEWSARCHIVE_CRAWL_MODE).
    """
    return await _run_outlets([outlet], outlets_file, replay, replay_day, mode)


@flow(name="crawl-all", flow_run_name=outlets_run_name, log_prints=True)
async def crawl_all(
    outlets: list[str] | None = None,
    outlets_file: str | None = None,
    replay: bool = False,
    replay_day: int = 1,
    mode: CrawlMode | None = None,
) -> State[list[dict[str, Any]]]:
    """Crawl several outlets concurrently (all enabled ones when none are named), one task each.

    Args:
        outlets: names of outlets to crawl; empty means every enabled outlet in the file.
        outlets_file: another outlets file (default: NEWSARCHIVE_OUTLETS or the built-in one).
        replay: crawl the bundled offline replica instead of the live sites.
        replay_day: which day of the replica (2: one article changed, one republished, one gone).
        mode: where Scrapy runs (default: NEWSARCHIVE_CRAWL_MODE).
    """
    return await _run_outlets(outlets, outlets_file, replay, replay_day, mode)
