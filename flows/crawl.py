"""Prefect flows that crawl outlets on a schedule and publish what each run archived.

The work itself is the capture core's (:mod:`newsarchive.archiving`); this
module adds what orchestration gives operators: settings loaded once at the
flow's entry, run names that say which outlet and when, states that say the
truth (an outlet that could not be crawled at all fails its task, and the run
fails naming it; single failed pages do not; storage that fails page after
page stops the crawl and fails the run), retries only where a retry can help
(the catalog or the store briefly away), a per-domain concurrency limit so two
runs never hammer one site, progress while a crawl runs, and artifacts.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable, Coroutine, Sequence
from concurrent.futures import Executor
from contextlib import nullcontext
from dataclasses import asdict
from datetime import UTC
from pathlib import Path
from typing import Any, cast

from prefect import Task, flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import TaskRun
from prefect.runtime import flow_run
from prefect.states import Completed, Failed, State

from newsarchive.archiving.capture import StorageOutage
from newsarchive.archiving.fleet import FleetRun, holding_outlets, poll, settle
from newsarchive.archiving.plan import RunRequest, plan_run
from newsarchive.archiving.report import OutletReport, OutletRun
from newsarchive.archiving.run import archive_outlets
from newsarchive.archiving.sites import holding_sites, site_names
from newsarchive.archiving.work import worker_pool
from newsarchive.config import CrawlMode, Settings, load_settings
from newsarchive.errors import ConfigError, CrawlError, StorageError
from newsarchive.flows.artifacts import (
    ProgressArtifacts,
    publish_fleet_artifact,
    publish_run_artifacts,
)
from newsarchive.replay import Replica
from newsarchive.spiders.options import CrawlOptions
from newsarchive.spiders.outlets import Outlet
from newsarchive.storage import Archive
from newsarchive.termination import stop_within

STOP_GRACE_SECONDS = 6  # SIGTERM to exit, when the graceful path is lost
TASKS_UP_TO = 20
"""Outlets a run crawls as a task each, with a report artifact each; a larger run crawls them
as a fleet does, in one crawl with one artifact (per-outlet orchestration does not scale)."""


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
    as its state message, when the outlet could not be crawled at all; it
    raises, and is retried, when the storage failed page after page.
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
    except StorageOutage as outage:
        ledger.absorb(outage.reports[outlet.name])
        logger.error("%s: the crawl stopped: %s", outlet.name, outage)
        raise
    finally:
        archive.close()
    ledger.absorb(reports[outlet.name])
    for url, reason in ledger.failures:
        logger.warning("%s: failed %s: %s", outlet.name, url, reason)
    failure = ledger.failure()
    if failure:
        logger.error("%s could not be crawled: %s", outlet.name, failure)
        return Failed(message=f"{outlet.name}: {failure}", data=ledger)
    warning = ledger.warning()
    if warning:
        logger.warning("%s needs a look: %s", outlet.name, warning)
    for url, reason in ledger.document_problems():
        logger.warning("%s: discovery document %s: %s", outlet.name, url, reason)
    counts = asdict(ledger.counts())
    logger.info("%s: %s", outlet.name, ", ".join(f"{k} {v}" for k, v in counts.items()))
    return Completed(data=ledger)


def _awaitable_state(call: object) -> Awaitable[State[Any]]:
    """A task called with ``return_state=True``: Prefect's stubs type the awaitable as a State."""
    return cast(Awaitable[State[Any]], call)


async def _outcome(state: State[Any], ledger: OutletReport) -> None:
    """Put into the ledger why a task that did not report (it raised, crashed) ended so."""
    result = await state.aresult(raise_on_failure=False)
    if isinstance(result, BaseException):
        reason = str(result).splitlines()[0] if str(result) else type(result).__name__
        ledger.crawl_error = f"crawl broke off: {reason}"


async def _run(request: RunRequest) -> State[list[OutletRun]]:
    with stop_within(STOP_GRACE_SECONDS):
        return await _archive_planned(request)


async def _archive_planned(request: RunRequest) -> State[list[OutletRun]]:
    settings = load_settings()  # once, at the flow's entry; everything below is handed it
    stand_in = Replica.when_asked(settings)
    plan = plan_run(settings, request, stand_in)
    ledgers = {outlet.name: OutletReport(outlet.name) for outlet in plan.outlets}
    archive = await asyncio.to_thread(Archive.open, settings.database_url, settings.store_url)
    try:
        async with holding_outlets(archive, plan.outlets):
            if len(plan.outlets) > TASKS_UP_TO:
                run = await _archive_as_fleet(
                    archive, plan.outlets, plan.options, settings, stand_in
                )
                reports, changes = list(run.reports), list(run.changes)
            else:
                await _archive_each(plan.outlets, plan.options, settings, stand_in, ledgers)
                reports = [ledgers[o.name] for o in plan.outlets]
                changes = await asyncio.to_thread(settle, archive, plan.outlets, ledgers, settings)
    finally:
        archive.close()
    if len(plan.outlets) > TASKS_UP_TO:
        await publish_fleet_artifact(reports, changes)
    else:
        await publish_run_artifacts(reports, changes)
    runs = [report.summary() for report in reports]
    failed = [f"{run.outlet} ({run.reason})" for run in runs if run.failed]
    if failed:
        message = f"{len(failed)} of {len(runs)} outlets could not be crawled: {'; '.join(failed)}"
        return Failed(message=message, data=runs)
    return Completed(message=f"{len(runs)} outlet(s) crawled", data=runs)


async def _archive_as_fleet(
    archive: Archive,
    outlets: Sequence[Outlet],
    options: CrawlOptions,
    settings: Settings,
    stand_in: Replica | None,
) -> FleetRun:
    """All outlets in one crawl and no task run of their own, as a fleet run crawls them."""
    serving = stand_in.serving(outlets, options) if stand_in else nullcontext()
    with serving as rerouted, worker_pool(os.cpu_count() or 1) as pool:
        return await poll(archive, outlets, rerouted or options, settings, extract_pool=pool)


async def _archive_each(
    outlets: Sequence[Outlet],
    options: CrawlOptions,
    settings: Settings,
    stand_in: Replica | None,
    ledgers: dict[str, OutletReport],
) -> None:
    """One task per outlet, all at once; each ledger says what its outlet's task did."""
    serving = stand_in.serving(outlets, options) if stand_in else nullcontext()
    with serving as rerouted, worker_pool(os.cpu_count() or 1) as pool:
        states = await asyncio.gather(
            *(
                _awaitable_state(
                    archive_outlet(
                        o, settings, rerouted or options, pool, ledgers[o.name], return_state=True
                    )
                )
                for o in outlets
            )
        )
    for outlet, state in zip(outlets, states, strict=True):
        await _outcome(state, ledgers[outlet.name])


GENERATED_NAME = re.compile(r"[a-z]+-[a-z]+")
"""The shape of the name Prefect gives a run nobody named: two words, ``brave-okapi``."""


def typed_name() -> str | None:
    """The name someone gave the run (the UI's *Custom run* dialog), to be kept; else None.

    Prefect renames every run of a flow with a ``flow_run_name`` and tells the
    flow nothing of where the run's name came from, so a name is taken as
    typed unless it has the shape of the ones Prefect generates; a typed name
    of that very shape (``test-run``) is named anew.  A run's retry keeps the
    name its first attempt was given.
    """
    name = flow_run.get_name()
    return name if name and not GENERATED_NAME.fullmatch(name) else None


def outlet_run_name() -> str:
    """``joongang 2026-11-25 13:00Z``: the outlet and the time the run was scheduled for."""
    parameters = flow_run.get_parameters()
    return typed_name() or f"{parameters.get('outlet', '?')}{_replay()} {scheduled_time()}"


def outlets_run_name() -> str:
    """``joongang+sputnik 2026-11-25 13:00Z``, or ``all outlets ...`` when none were named."""
    request = RunRequest.model_validate(flow_run.get_parameters().get("request") or {})
    names = "+".join(request.outlets) or "all outlets"
    return typed_name() or f"{names}{_replay()} {scheduled_time()}"


def _replay() -> str:
    """`` replay`` for a run that crawls the offline replica, to tell it from a live one."""
    try:
        return " replay" if load_settings().replay else ""
    except ConfigError:  # the run itself says what is wrong with the settings
        return ""


def scheduled_time() -> str:
    return f"{flow_run.get_scheduled_start_time().astimezone(UTC):%Y-%m-%d %H:%M}Z"


@flow(name="crawl-outlet", flow_run_name=outlet_run_name, log_prints=True)
async def crawl_outlet(
    outlet: str, outlets_file: str | None = None, mode: CrawlMode | None = None
) -> State[list[OutletRun]]:
    """Crawl one outlet now and archive what is new or changed.

    Args:
        outlet: the outlet's name in the outlets file.
        outlets_file: another outlets file (default: NEWSARCHIVE_OUTLETS or the built-in one).
        mode: where Scrapy runs (default: NEWSARCHIVE_CRAWL_MODE).
    """
    path = Path(outlets_file) if outlets_file else None
    return await _run(RunRequest(outlets=(outlet,), outlets_file=path, mode=mode))


@flow(name="crawl-all", flow_run_name=outlets_run_name, log_prints=True)
async def crawl_all(request: RunRequest | None = None) -> State[list[OutletRun]]:
    """Crawl several outlets concurrently (all enabled ones when none are named), one task each.

    Args:
        request: the outlets to crawl (none: every enabled outlet of the file), another
            outlets file, where Scrapy runs.
    """
    return await _run(request or RunRequest())


def run_crawl(request: RunRequest) -> list[OutletRun]:
    """Run :func:`crawl_all` in this process and hand back what it did for each outlet.

    The same flow a deployment runs, against the Prefect API configured (or
    the temporary one of :mod:`.temporary_server`); CrawlError when the run
    itself broke and has no outlets to report.
    """
    running = cast("Coroutine[Any, Any, State[Any]]", crawl_all(request, return_state=True))
    state = asyncio.run(running)
    runs = state.result(raise_on_failure=False)
    if not isinstance(runs, list):
        raise CrawlError(f"the crawl run ended {state.type.value.lower()}: {state.message}")
    return runs
