"""Prefect flows that crawl outlets on a schedule and publish what each run archived.

The work itself is the capture core's (:mod:`newsarchive.archiving`); this
module adds what orchestration gives operators: settings loaded once at the
flow's entry, task retries where a retry can help (the catalog or S3 being
briefly away), a per-domain concurrency limit so two runs never hammer one
site, run artifacts, and events when an outlet stops yielding articles.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from typing import Any
from urllib.parse import urlsplit

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.concurrency.asyncio import concurrency

from newsarchive.archiving.plan import plan_outlets
from newsarchive.archiving.report import OutletReport
from newsarchive.archiving.run import archive_outlets
from newsarchive.config import CrawlMode, Settings, load_settings
from newsarchive.errors import CrawlError
from newsarchive.flows.artifacts import publish_run_artifacts
from newsarchive.flows.limits import ensure_domain_limits
from newsarchive.records import ArchiveOutcome
from newsarchive.replay import replayed
from newsarchive.spiders.outlets import Outlet
from newsarchive.spiders.settings import CrawlOptions
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
async def archive_outlet(
    outlet: Outlet, settings: Settings, options: CrawlOptions, extract_pool: Executor | None
) -> OutletReport:
    """Discover, fetch, extract, deduplicate and store one outlet, holding its domains' slots.

    A retry is safe: the archive is idempotent and already stored pages come
    back as conditional refetches.
    """
    logger = get_run_logger()
    async with concurrency(domain_limit_names(outlet), occupy=1):
        archive = await asyncio.to_thread(Archive.open, settings.database_url, settings.store_url)
        try:
            reports = await archive_outlets([outlet], archive, options, extract_pool=extract_pool)
        finally:
            archive.close()
    report = reports[outlet.name]
    logger.info("%s: %s", outlet.name, report.row())
    for url, reason in report.failures:
        logger.warning("%s: failed %s: %s", outlet.name, url, reason)
    return report


def _stand_in(
    outlets: list[Outlet], options: CrawlOptions, replay: bool
) -> AbstractContextManager[tuple[list[Outlet], CrawlOptions]]:
    """The offline replica while the run lasts when ``replay``; the live sites otherwise."""
    return replayed(outlets, options) if replay else nullcontext((outlets, options))


async def _run_outlets(
    names: Sequence[str] | None, outlets_file: str | None, replay: bool, mode: CrawlMode | None
) -> list[dict[str, Any]]:
    settings = load_settings()  # once, at the flow's entry; everything below is handed it
    planned = plan_outlets(settings, names, outlets_file)
    with _stand_in(planned, CrawlOptions.from_settings(settings, mode), replay) as (
        outlets,
        options,
    ):
        await ensure_domain_limits(
            {name for outlet in outlets for name in domain_limit_names(outlet)}
        )
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            results = await asyncio.gather(
                *(archive_outlet(outlet, settings, options, pool) for outlet in outlets),
                return_exceptions=True,
            )
    reports = [_as_report(outlet, result) for outlet, result in zip(outlets, results, strict=True)]
    await publish_run_artifacts(reports, settings)
    crashed = [
        f"{outlet.name}: {result}"
        for outlet, result in zip(outlets, results, strict=True)
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
    outlet: str,
    outlets_file: str | None = None,
    replay: bool = False,
    mode: CrawlMode | None = None,
) -> list[dict[str, Any]]:
    """Crawl one outlet now and archive what is new or changed.

    Args:
        outlet: the outlet's name in the outlets file.
        outlets_file: another outlets file (default: NEWSARCHIVE_OUTLETS or the built-in one).
        replay: crawl the bundled offline replica of the outlet instead of its live site.
        mode: where Scrapy runs (default: NEWSARCHIVE_CRAWL_MODE).
    """
    return await _run_outlets([outlet], outlets_file, replay, mode)


@flow(name="crawl-all", log_prints=True)
async def crawl_all(
    outlets: list[str] | None = None,
    outlets_file: str | None = None,
    replay: bool = False,
    mode: CrawlMode | None = None,
) -> list[dict[str, Any]]:
    """Crawl several outlets concurrently (all when none are named), one task each.

    Args:
        outlets: names of outlets to crawl; empty means every outlet in the file.
        outlets_file: another outlets file (default: NEWSARCHIVE_OUTLETS or the built-in one).
        replay: crawl the bundled offline replica instead of the live sites.
        mode: where Scrapy runs (default: NEWSARCHIVE_CRAWL_MODE).
    """
    return await _run_outlets(outlets, outlets_file, replay, mode)
