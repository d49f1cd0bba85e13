"""Crawl runs in the catalog: each outlet's summary of a finished run, read back for alerts."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsarchive.records import RunCounts
from newsarchive.storage.catalog.models import CrawlRunRow, OutletRow


def record(session: Session, outlet_id: int, counts: RunCounts) -> None:
    """Add the row of one outlet's finished run."""
    session.add(CrawlRunRow(outlet_id=outlet_id, finished_at=datetime.now(UTC), **asdict(counts)))


def recent_new_counts(session: Session, outlet: str, last: int) -> list[int]:
    """How many new articles each of the outlet's ``last`` runs found, newest first."""
    query = (
        select(CrawlRunRow.new)
        .join(OutletRow, OutletRow.id == CrawlRunRow.outlet_id)
        .where(OutletRow.name == outlet)
        .order_by(CrawlRunRow.finished_at.desc(), CrawlRunRow.id.desc())
        .limit(last)
    )
    return list(session.scalars(query))
