"""The fleet read back: outlets' states, their discovery documents, their recent articles."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsarchive.records import KnownDocument, OutletState, OutletStatus
from newsarchive.storage.catalog.models import ArticleRow, DocumentRow, OutletRow, OutletStateRow
from newsarchive.storage.results import KnownArticle

NAMES_PER_QUERY = 500


def states(session: Session, names: Collection[str] | None = None) -> dict[str, OutletState]:
    """Outlet name -> its state, for ``names`` (every outlet still in the file when None)."""
    query = select(OutletRow.name, OutletStateRow).join(
        OutletStateRow, OutletStateRow.outlet_id == OutletRow.id
    )
    if names is None:
        return {
            name: _state(name, row)
            for name, row in session.execute(query.where(OutletStateRow.in_file.is_(True)))
        }
    wanted = list(names)
    found: dict[str, OutletState] = {}
    for start in range(0, len(wanted), NAMES_PER_QUERY):
        chunk = query.where(OutletRow.name.in_(wanted[start : start + NAMES_PER_QUERY]))
        found.update((name, _state(name, row)) for name, row in session.execute(chunk))
    return found


def _state(name: str, row: OutletStateRow) -> OutletState:
    return OutletState(
        outlet=name,
        collection=row.collection,
        status=OutletStatus(row.status),
        reason=row.reason,
        failures=row.failures,
        interval_seconds=row.interval_seconds,
        next_due=row.next_due,
        rate_per_hour=row.rate_per_hour,
        first_poll=row.first_poll,
        last_poll=row.last_poll,
        last_success=row.last_success,
        last_new_article=row.last_new_article,
        empty_polls=row.empty_polls,
        alerts=tuple(row.alerts or ()),
    )


def documents(session: Session, names: Collection[str]) -> dict[str, list[KnownDocument]]:
    """Outlet name -> the discovery documents its polls read, with their validators."""
    wanted = list(names)
    found: dict[str, list[KnownDocument]] = defaultdict(list)
    for start in range(0, len(wanted), NAMES_PER_QUERY):
        query = (
            select(OutletRow.name, DocumentRow)
            .join(DocumentRow, DocumentRow.outlet_id == OutletRow.id)
            .where(OutletRow.name.in_(wanted[start : start + NAMES_PER_QUERY]))
        )
        for name, row in session.execute(query):
            found[name].append(KnownDocument(row.url, row.etag, row.last_modified, row.sha256))
    return dict(found)


def recent_articles(
    session: Session, since: Mapping[str, datetime]
) -> dict[str, list[KnownArticle]]:
    """Outlet name -> its articles first seen at or after its ``since`` time."""
    found: dict[str, list[KnownArticle]] = defaultdict(list)
    wanted = list(since)
    for start in range(0, len(wanted), NAMES_PER_QUERY):
        chunk = wanted[start : start + NAMES_PER_QUERY]
        query = (
            select(
                OutletRow.name,
                ArticleRow.url,
                ArticleRow.url_key,
                ArticleRow.first_seen,
                ArticleRow.last_seen,
                ArticleRow.last_revisit,
            )
            .join(ArticleRow, ArticleRow.outlet_id == OutletRow.id)
            .where(OutletRow.name.in_(chunk), ArticleRow.first_seen >= min(since[n] for n in chunk))
        )
        for name, url, key, first_seen, last_seen, last_revisit in session.execute(query):
            if first_seen >= since[name] and key is not None:
                found[name].append(KnownArticle(url, key, first_seen, last_seen, last_revisit))
    return dict(found)
