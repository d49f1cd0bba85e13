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
import logging
import random
from collections.abc import AsyncIterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from newsarchive.archiving.health import Change, Rules, assess
from newsarchive.archiving.report import OutletReport
from newsarchive.archiving.robots import downloaded, with_robots
from newsarchive.archiving.run import ProgressCallback, archive_outlets
from newsarchive.archiving.schedule import Poll
from newsarchive.archiving.sites import renewing
from newsarchive.config import Settings
from newsarchive.identity import article_key_or_none
from newsarchive.records import OutletMemory, OutletState
from newsarchive.spiders.options import CrawlOptions
from newsarchive.spiders.outlets import Outlet
from newsarchive.storage import Archive, Holder, KnownArticle, Polled, RosterEntry

CLAIM_TTL = timedelta(minutes=10)
"""A fleet run's claim lasts this long unless renewed; a killed run's outlets are free after."""
RENEW_SECONDS = 60.0
WAIT_SECONDS = 1.0
BATCH = 1_000
"""Outlets a fleet run claims and crawls at once before it claims more."""

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FleetRun:
    """What one fleet cycle did: its outlets' reports and how each outlet's state changed."""

    reports: tuple[OutletReport, ...]
    changes: tuple[Change, ...]


def roster(outlets: Sequence[Outlet]) -> list[RosterEntry]:
    """The outlets file as the catalog's states follow it."""
    return [RosterEntry(o.name, o.collection, o.enabled) for o in outlets]


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
    """What the archive knows of each outlet before its poll: documents, due revisits, and the
    robots.txt files of its hosts (:mod:`newsarchive.archiving.robots`)."""
    names = [o.name for o in outlets]
    documents = archive.known_documents(names)
    horizons = {o.name: now - max(o.revisits) for o in outlets if o.revisits}
    recent = archive.recent_articles(horizons)
    known = {
        o.name: OutletMemory(
            documents=tuple(documents.get(o.name, ())),
            revisits=due_revisits(o, recent.get(o.name, ()), now),
        )
        for o in outlets
    }
    return with_robots(archive, outlets, known, now)


def poll_of(report: OutletReport, at: datetime, rules: Rules) -> Poll:
    """What a run's report says of the outlet, for its schedule and health."""
    rate = report.extraction_failure_rate
    failing = None
    if report.fetched >= rules.min_pages_for_rate and rate > rules.max_extraction_failure_rate:
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
    """Keep what the run found for each outlet: counts, state, schedule, documents, revisits;
    and the robots.txt files its crawl downloaded."""
    at = at or datetime.now(UTC)
    before = archive.outlet_states([o.name for o in outlets])
    changes = []
    for outlet in outlets:
        report = reports[outlet.name]
        state = before.get(outlet.name) or OutletState(outlet.name, outlet.collection)
        rules = Rules.for_outlet(settings, outlet)
        changes.append(assess(outlet, state, poll_of(report, at, rules), rules, rng))
    archive.save_polls(
        [change.after for change in changes],
        Polled(
            counts={name: report.counts() for name, report in reports.items()},
            documents={name: r.crawl.documents for name, r in reports.items() if r.crawl},
            revisited=_revisited(memory or {}),
            robots=downloaded(reports),
        ),
        at,
    )
    return changes


@contextlib.asynccontextmanager
async def holding_outlets(archive: Archive, outlets: Sequence[Outlet]) -> AsyncIterator[None]:
    """Claim the outlets of a run of named outlets for the block, waiting while a fleet run
    polls any of them: no outlet is polled by two runs at once, whichever way they came."""
    await asyncio.to_thread(archive.sync_roster, roster(outlets), whole=False)
    names = [outlet.name for outlet in outlets]
    holder = Holder.this_process()
    told = False
    while True:
        now = datetime.now(UTC)
        busy = await asyncio.to_thread(
            archive.claim_named, names, now, str(holder), now + CLAIM_TTL
        )
        if not busy:
            break
        if not told:
            log.info("waiting for %s, polled by another run", ", ".join(busy[:5]))
            told = True
        await asyncio.sleep(WAIT_SECONDS)
    async with claiming(archive, holder):
        yield


@contextlib.asynccontextmanager
async def claiming(archive: Archive, holder: Holder) -> AsyncIterator[None]:
    """Renew the holder's claims while the block runs; end whatever it still holds after."""

    def renew() -> None:
        archive.renew_claims(str(holder), datetime.now(UTC) + CLAIM_TTL)

    async with renewing(RENEW_SECONDS, renew, f"the outlet claims of {holder}"):
        try:
            yield
        finally:
            await asyncio.to_thread(archive.release_claims, str(holder))


async def poll_due(
    archive: Archive,
    outlets: Sequence[Outlet],
    options: CrawlOptions,
    settings: Settings,
    *,
    collection: str | None = None,
    batch: int = BATCH,
    extract_pool: Executor | None = None,
    on_progress: ProgressCallback | None = None,
) -> FleetRun:
    """One fleet cycle: claim the outlets (of ``collection``) due when it began, a batch at a
    time, and poll and settle each batch, until none is left.

    Batches are how several runs share a fleet: each claims its next batch
    only when it is done with the last, so runs on other workers (on
    PostgreSQL, claiming ``FOR UPDATE SKIP LOCKED``) take the rest meanwhile,
    and no outlet is claimed by two.  Only outlets due when the cycle began
    are taken, so a cycle ends even when outlets keep falling due.
    """
    await asyncio.to_thread(archive.sync_roster, roster(outlets))
    holder = Holder.this_process()
    began = datetime.now(UTC)
    by_name = {o.name: o for o in outlets}
    reports: list[OutletReport] = []
    changes: list[Change] = []
    async with claiming(archive, holder):
        while True:
            until = datetime.now(UTC) + CLAIM_TTL
            claimed = await asyncio.to_thread(
                archive.claim_due, collection, began, str(holder), until, batch
            )
            due = [by_name[name] for name in claimed if name in by_name]
            if not due:
                break
            run = await poll(
                archive,
                due,
                replace(options, polling=True),
                settings,
                extract_pool=extract_pool,
                on_progress=on_progress,
            )
            reports += run.reports  # settling them ended their claims
            changes += run.changes
    return FleetRun(tuple(reports), tuple(changes))


async def poll(
    archive: Archive,
    outlets: Sequence[Outlet],
    options: CrawlOptions,
    settings: Settings,
    *,
    extract_pool: Executor | None = None,
    on_progress: ProgressCallback | None = None,
) -> FleetRun:
    """Crawl ``outlets`` (claimed by the caller) in one crawl and settle each of them.

    A poll when ``options.polling`` is set (the fleet's cycles), else a full
    crawl of every listed article (``crawl`` of all outlets at fleet size).
    """
    if not outlets:
        return FleetRun((), ())
    memory = await asyncio.to_thread(memories, archive, outlets, datetime.now(UTC))
    reports = await archive_outlets(
        outlets,
        archive,
        options,
        memory=memory,
        extract_pool=extract_pool,
        on_progress=on_progress,
    )
    changes = await asyncio.to_thread(settle, archive, outlets, reports, settings, memory=memory)
    return FleetRun(tuple(reports[o.name] for o in outlets), tuple(changes))
