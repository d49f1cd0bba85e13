"""Prefect flows that crawl outlets on a schedule and publish what each run archived.

The business logic lives in :mod:`newsarchive.flows.run` and
:mod:`newsarchive.flows.pipeline`; this module adds what orchestration
gives operators: task retries where a retry can help (the catalog or S3
being briefly away), a per-domain concurrency limit so two runs never hammer
one site, run artifacts, and events when an outlet stops yielding articles.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.concurrency.asyncio import concurrency

from newsarchive.config import load_settings
from newsarchive.errors import CrawlError
from newsarchive.flows.limits import ensure_domain_limits
from newsarchive.flows.pipeline import OutletReport
from newsarchive.flows.plan import LiveIdentity, ReplayIdentity, planned_outlets
from newsarchive.flows.report import publish_run_artifacts
from newsarchive.flows.run import crawl_and_archive
from newsarchive.records import ArchiveOutcome
from newsarchive.spiders.outlets import Outlet
from newsarchive.storage import Archive


def domain_limit_names(outlet: Outlet) -> list[str]:
    """Names of the global concurrency limits guarding the outlet's sites."""
    hosts = {urlsplit(u).hostname or "" for u in outlet.start_urls} | set(outlet.allowed_domains)
    return sorted(f"domain-{host}" for host in hosts if host)


@task(
    name="crawl-and-archive",
    task_run_name="crawl {outlet.name}",
    retries=2,
    retry_delay_seconds=[10, 60],
    cache_policy=NO_CACHE,
)
async def crawl_outlet_task(
    outlet: Outlet, identity: LiveIdentity | ReplayIdentity, extract_pool: Executor | None
) -> OutletReport:
    """Discover, fetch, extract, deduplicate and store one outlet, holding its domains' slots.

    A retry is safe: the archive is idempotent and already stored pages come
    back as conditional refetches.
    """
    logger = get_run_logger()
    settings = load_settings()
    async with concurrency(domain_limit_names(outlet), occupy=1):
        archive = await asyncio.to_thread(Archive.open, settings.database_url, settings.store_url)
        try:
            reports = await crawl_and_archive(
                [outlet], settings, archive, identity=identity, extract_pool=extract_pool
            )
        finally:
            archive.close()
    report = reports[outlet.name]
    logger.info("%s: %s", outlet.name, report.row())
    for url, reason in report.failures:
        logger.warning("%s: failed %s: %s", outlet.name, url, reason)
    return report


async def _crawl(
    names: list[str] | None, outlets_file: str | None, replay: bool
) -> list[dict[str, Any]]:
    settings = load_settings()
    with planned_outlets(settings, names, outlets_file, replay) as plan:
        await ensure_domain_limits(
            {name for outlet in plan.outlets for name in domain_limit_names(outlet)}
        )
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            results = await asyncio.gather(
                *(crawl_outlet_task(outlet, plan.identity, pool) for outlet in plan.outlets),
                return_exceptions=True,
            )
        reports = [
            _as_report(outlet, result) for outlet, result in zip(plan.outlets, results, strict=True)
        ]
    await publish_run_artifacts(reports, settings)
    crashed = [
        f"{outlet.name}: {result}"
        for outlet, result in zip(plan.outlets, results, strict=True)
        if isinstance(result, BaseException)
    ]
    if crashed:
        # the other outlets were archived and reported; the run itself did not complete
        raise CrawlError(f"could not crawl {len(crashed)} outlet(s): {'; '.join(crashed)}")
    return [report.summary() for report in reports]


def _as_report(outlet: Outlet, result: OutletReport | BaseException) -> OutletReport:
    """An outlet's report, or one that records why its whole crawl failed."""
    if isinstance(result, OutletReport):
        return result
    if not isinstance(result, Exception):
        raise result  # cancelled or interrupted: not a failure to report, a stop
    report = OutletReport(outlet.name)
    reason = str(result).splitlines()[0] if str(result) else type(result).__name__
    report.add(", ".join(outlet.start_urls), ArchiveOutcome.FAILED, f"crawl failed: {reason}")
    return report


@flow(name="crawl-outlet", log_prints=True)
async def crawl_outlet(
    outlet: str, outlets_file: str | None = None, replay: bool = False
) -> list[dict[str, Any]]:
    """Crawl one outlet now and archive what is new or changed.

    Args:
        outlet: the outlet's name in the outlets file.
        outlets_file: another outlets file (default: NEWSARCHIVE_OUTLETS or the built-in one).
        replay: crawl the bundled offline fixture site instead of the live outlet.
    """
    return await _crawl([outlet], outlets_file, replay)


@flow(name="crawl-all", log_prints=True)
async def crawl_all(
    outlets: list[str] | None = None, outlets_file: str | None = None, replay: bool = False
) -> list[dict[str, Any]]:
    """Crawl several outlets concurrently (all when none are named), one task each.

    Args:
        outlets: names of outlets to crawl; empty means every outlet in the file.
        outlets_file: another outlets file (default: NEWSARCHIVE_OUTLETS or the built-in one).
        replay: crawl the bundled offline fixture site instead of the live outlets.
    """
    return await _crawl(outlets, outlets_file, replay)
