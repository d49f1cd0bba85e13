"""The fleet: whatever is due, claimed and polled in one crawl, and every outcome kept.

One cycle (:func:`poll_due`) makes the outlets' states follow the outlets
file, claims the outlets that are due (on PostgreSQL, several workers claim
disjoint batches), tells each spider what the archive knows of its outlet
(the documents' validators, the articles due for a revisit), crawls them
all at once as polls, and settles each outlet (:func:`settle`): its new
state, schedule and alerts, its documents, its revisits, its run's counts.
Every run settles its outlets the same way, a crawl of named outlets too,
so health and alerts never depend on which way an outlet was crawled.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from newsarchive.archiving.health import Change, assess
from newsarchive.archiving.report import OutletReport
from newsarchive.archiving.run import ProgressCallback, archive_outlets
from newsarchive.archiving.schedule import Poll
from newsarchive.config import Settings
from newsarchive.identity import article_key_or_none
from newsarchive.records import OutletMemory, OutletState
from newsarchive.spiders.options import CrawlOptions
from newsarchive.spiders.outlets import Outlet
from newsarchive.storage import Archive, Holder
from newsarchive.storage.results import KnownArticle, RosterEntry

CLAIM_TTL = timedelta(minutes=10)
"""A fleet run's claim lasts this long unless renewed; a killed run's outlets are free after."""
RENEW_SECONDS = 60.0
MIN_PAGES_FOR_RATE = 4
"""Pages a run must have fetched before its extraction failure rate can raise an alert."""


@dataclass(frozen=True, slots=True)
class FleetRun:
    """What one fleet cycle did: its outlets' reports and how each outlet's state changed."""

    reports: tuple[OutletReport, ...]
    changes: tuple[Change, ...]

    @property
    def failing(self) -> list[Change]:
        return [c for c in self.changes if c.after.reason is not None]


def roster(outlets: Sequence[Outlet]) -> list[RosterEntry]:
    """The outlets file as the catalog's states follow it."""
    return [RosterEntry(o.name, o.collection, o.enabled, o.schedule is not None) for o in outlets]


def due_revisits(
    outlet: Outlet, articles: Sequence[KnownArticle], now: datetime
) -> tuple[str, ...]:
    """The outlet's known articles whose next revisit step has come since they were last seen
    or revisited."""
    due = []
    for article in articles:
        last = max(article.last_seen, article.last_revisit or article.first_seen)
        if any(last < article.first_seen + step <= now for step in outlet.revisits):
            due.append(article.url)
    return tuple(due)


def memories(archive: Archive, outlets: Sequence[Outlet], now: datetime) -> dict[str, OutletMemory]:
    """What the archive knows of each outlet before its poll: documents and due revisits."""
    names = [o.name for o in outlets]
    documents = archive.known_documents(names)
    horizons = {o.name: now - max(o.revisits) for o in outlets if o.revisits}
    recent = archive.recent_articles(horizons)
    return {
        o.name: OutletMemory(
            documents=tuple(documents.get(o.name, ())),
            revisits=due_revisits(o, recent.get(o.name, ()), now),
        )
        for o in outlets
    }


def _poll(report: OutletReport, at: datetime, settings: Settings) -> Poll:
    rate = report.extraction_failure_rate
    failing = None
    if report.fetched >= MIN_PAGES_FOR_RATE and rate > settings.max_extraction_failure_rate:
        failing = (
            f"extraction failed for {report.extraction_failures} of {report.fetched} pages "
            f"({rate:.0%})"
        )
    return Poll(
        at=at,
        new=report.counts().new,
        documents=report.crawl.documents if report.crawl else (),
        failure=report.failure(),
        extraction_failing=failing,
    )


def _revisited(memory: Mapping[str, OutletMemory]) -> dict[str, list[str]]:
    """Outlet -> keys of the known articles its poll asked for again, on their schedule."""
    return {
        name: [key for url in known.revisits if (key := article_key_or_none(url))]
        for name, known in memory.items()
    }


def settle(
    archive: Archive,
    outlets: Sequence[Outlet],
    reports: Mapping[str, OutletReport],
    settings: Settings,
    *,
    memory: Mapping[str, OutletMemory] | None = None,
    at: datetime | None = None,
    rng: random.Random | None = None,
) -> list[Change]:
    """Keep what the run found for each outlet: counts, state, schedule, documents, revisits."""
    at = at or datetime.now(UTC)
    before = archive.outlet_states([o.name for o in outlets])
    changes = []
    for outlet in outlets:
        report = reports[outlet.name]
        state = before.get(outlet.name) or OutletState(outlet.name, outlet.collection)
        stale_after_polls = outlet.stale_after_runs or settings.stale_after_runs
        changes.append(
            assess(
                outlet,
                state,
                _poll(report, at, settings),
                stale_after_polls=stale_after_polls,
                rng=rng,
            )
        )
        archive.record_run(outlet.name, report.counts())
    archive.save_polls(
        [change.after for change in changes],
        {name: r.crawl.documents for name, r in reports.items() if r.crawl},
        _revisited(memory or {}),
        at,
    )
    return changes


@contextlib.asynccontextmanager
async def claiming(archive: Archive, holder: Holder) -> AsyncIterator[None]:
    """Renew the holder's claims while the block runs; end whatever it still holds after."""

    async def renew() -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            until = datetime.now(UTC) + CLAIM_TTL
            await asyncio.to_thread(archive.renew_claims, str(holder), until)

    renewing = asyncio.create_task(renew())
    try:
        yield
    finally:
        renewing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewing
        await asyncio.to_thread(archive.release_claims, str(holder))


async def poll_due(
    archive: Archive,
    outlets: Sequence[Outlet],
    options: CrawlOptions,
    settings: Settings,
    *,
    collection: str | None = None,
    limit: int = 100_000,
    extract_pool: Executor | None = None,
    on_progress: ProgressCallback | None = None,
) -> FleetRun:
    """One fleet cycle: claim the due outlets (of ``collection``), poll them, settle them."""
    await asyncio.to_thread(archive.sync_roster, roster(outlets))
    holder = Holder.this_process()
    now = datetime.now(UTC)
    claimed = await asyncio.to_thread(
        archive.claim_due, collection, now, str(holder), now + CLAIM_TTL, limit
    )
    by_name = {o.name: o for o in outlets}
    due = [by_name[name] for name in claimed if name in by_name]
    async with claiming(archive, holder):
        return await poll(
            archive, due, options, settings, extract_pool=extract_pool, on_progress=on_progress
        )


async def poll(
    archive: Archive,
    outlets: Sequence[Outlet],
    options: CrawlOptions,
    settings: Settings,
    *,
    extract_pool: Executor | None = None,
    on_progress: ProgressCallback | None = None,
) -> FleetRun:
    """Poll ``outlets`` (claimed by the caller) in one crawl and settle each of them."""
    if not outlets:
        return FleetRun((), ())
    memory = await asyncio.to_thread(memories, archive, outlets, datetime.now(UTC))
    reports = await archive_outlets(
        outlets,
        archive,
        replace(options, polling=True),
        memory=memory,
        extract_pool=extract_pool,
        on_progress=on_progress,
    )
    changes = await asyncio.to_thread(settle, archive, outlets, reports, settings, memory=memory)
    return FleetRun(tuple(reports[o.name] for o in outlets), tuple(changes))
