"""Crawl runs in the catalog: each outlet's summary of a finished run."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from newsarchive.records import RunCounts
from newsarchive.storage.catalog.models import CrawlRunRow


def record(session: Session, outlet_id: int, counts: RunCounts, at: datetime | None = None) -> None:
    """Add the row of one outlet's finished run."""
    finished = at or datetime.now(UTC)
    session.add(CrawlRunRow(outlet_id=outlet_id, finished_at=finished, **asdict(counts)))
