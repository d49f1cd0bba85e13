"""One crawl per site at a time, across every worker: site leases held while a crawl runs.

A run waits for the leases of its outlet's sites, renews them while it
crawls and gives them back when it ends.  A holder that dies stops renewing,
so its lease expires after ``ttl`` at the latest, and at once when it was a
process of this machine: no crawl waits on a lease whose holder is dead.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import timedelta
from urllib.parse import urlsplit

from newsarchive.spiders.outlets import Outlet
from newsarchive.storage import Archive, Holder

log = logging.getLogger(__name__)

LEASE_TTL = timedelta(seconds=60)
WAIT_SECONDS = 1.0


def site_names(outlet: Outlet) -> list[str]:
    """The sites an outlet's crawl touches: its start hosts and its allowed domains."""
    hosts = {urlsplit(u).hostname or "" for u in outlet.start_urls} | set(outlet.allowed_domains)
    return sorted(f"site:{host}" for host in hosts if host)


@contextlib.asynccontextmanager
async def holding_sites(
    archive: Archive, names: Sequence[str], ttl: timedelta = LEASE_TTL
) -> AsyncIterator[None]:
    """Hold the leases of ``names`` for the block, waiting while a live holder has one."""
    holder = Holder.this_process()
    told = False
    while (busy := await asyncio.to_thread(archive.try_lease, names, holder, ttl)) is not None:
        if not told:
            log.info(
                "waiting for %s, held by %s until %s at the latest",
                busy.name,
                busy.holder,
                busy.expires_at.isoformat(timespec="seconds"),
            )
            told = True
        await asyncio.sleep(WAIT_SECONDS)
    renew = functools.partial(archive.renew_lease, names, holder, ttl)
    async with renewing(ttl.total_seconds() / 3, renew, f"the site leases {', '.join(names)}"):
        try:
            yield
        finally:
            await asyncio.to_thread(archive.release_lease, names, holder)


@contextlib.asynccontextmanager
async def renewing(every: float, renew: Callable[[], object], what: str) -> AsyncIterator[None]:
    """Call ``renew`` (blocking, in a thread) every ``every`` seconds while the block runs.

    A renewal that fails is logged and the next one tried: the catalog away
    for a moment must not end the run that holds ``what``.
    """

    async def loop() -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await asyncio.to_thread(renew)
            except Exception:
                log.warning("could not renew %s", what, exc_info=True)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
