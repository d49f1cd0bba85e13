"""Hosts' robots.txt files kept between polls: read before a crawl, written after it.

A crawl reads the copies of the origins its outlets will ask (a few per
outlet, by key), and its polls' transaction keeps the ones it downloaded,
each replacing an older copy of its origin and never a newer one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsarchive.records import RobotsFile
from newsarchive.storage.catalog.models import RobotsRow
from newsarchive.storage.catalog.statements import upsert_newer

LOCATIONS_PER_QUERY = 500
"""Origins per query: within every engine's limit on bound parameters."""


def kept(session: Session, locations: Collection[str], since: datetime) -> dict[str, RobotsFile]:
    """Location -> its robots.txt, for those of ``locations`` downloaded after ``since``."""
    wanted = sorted(set(locations))
    found: dict[str, RobotsFile] = {}
    for start in range(0, len(wanted), LOCATIONS_PER_QUERY):
        query = select(RobotsRow).where(
            RobotsRow.location.in_(wanted[start : start + LOCATIONS_PER_QUERY]),
            RobotsRow.fetched_at > since,
        )
        for row in session.scalars(query):
            found[row.location] = RobotsFile(row.location, row.status, row.body, row.fetched_at)
    return found


def save(session: Session, copies: Iterable[RobotsFile]) -> None:
    """Keep the downloaded copies: the latest of each location, over any older one."""
    latest: dict[str, RobotsFile] = {}
    for copy in copies:
        held = latest.get(copy.location)
        if held is None or held.fetched_at < copy.fetched_at:
            latest[copy.location] = copy
    rows = [
        {"location": c.location, "status": c.status, "body": c.body, "fetched_at": c.fetched_at}
        for c in latest.values()
    ]
    if rows:
        upsert_newer(session, RobotsRow, rows, ["location"], "fetched_at")
