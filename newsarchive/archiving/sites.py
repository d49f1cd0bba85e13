"""One crawl per site at a time, across every worker: site leases held while a crawl runs.

A run waits for the leases of its outlet's sites, renews them while it
crawls and gives them back when it ends.  A holder that dies stops renewing,
so its lease expires after ``ttl`` at the latest, and at once when it was a
process of this machine: no crawl waits on a lease whose holder is dead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
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
    renewing = asyncio.create_task(_renew(archive, names, holder, ttl))
    try:
        yield
    finally:
        renewing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewing
        await asyncio.to_thread(archive.release_lease, names, holder)


async def _renew(archive: Archive, names: Sequence[str], holder: Holder, ttl: timedelta) -> None:
    while True:
        await asyncio.sleep(ttl.total_seconds() / 3)
        try:
            await asyncio.to_thread(archive.renew_lease, names, holder, ttl)
        except Exception:  # the catalog is away for a moment: the next renewal may do
            log.warning("could not renew the site leases %s", ", ".join(names), exc_info=True)
