"""Reading page requisites back: their fetches in time order, each object found by digest.

A requisite fetched again with the same bytes points at the object the
first fetch stored, and is listed as a revisit of it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsarchive.storage.catalog.models import OutletRow, RequisiteRow
from newsarchive.storage.objects import layout
from newsarchive.storage.results import RequisiteInfo


def requisite_fetches(
    session: Session, outlet: str | None, since: datetime | None
) -> list[RequisiteInfo]:
    """Requisite fetches of ``outlet`` (all outlets by default) since ``since``, oldest first.

    Each is a revisit when its URL gave the same bytes before, in this
    selection or an earlier one.
    """
    query = (
        select(RequisiteRow)
        .join(OutletRow, OutletRow.id == RequisiteRow.outlet_id)
        .order_by(RequisiteRow.fetched_at, RequisiteRow.id)
    )
    if outlet is not None:
        query = query.where(OutletRow.name == outlet)
    first_seen: dict[tuple[str, str], datetime] = {}
    found = []
    for row in session.scalars(query):
        first = first_seen.setdefault((row.url, row.body_sha256), row.fetched_at)
        if since is not None and row.fetched_at < since:
            continue
        found.append(
            RequisiteInfo(
                url=row.url,
                fetched_at=row.fetched_at,
                status=row.status,
                final_url=row.url,
                request_headers=layout.headers_from_json(row.request_headers),
                response_headers=layout.headers_from_json(row.response_headers),
                raw_sha256=row.body_sha256,
                page_url=row.page_url,
                revisit_of=None if first == row.fetched_at else first,
            )
        )
    return found


def object_of(session: Session, body_sha256: str) -> tuple[str, str]:
    """(key, object SHA-256) of the object holding the requisite bytes ``body_sha256``."""
    key, object_sha = session.execute(
        select(RequisiteRow.key, RequisiteRow.object_sha256)
        .where(RequisiteRow.body_sha256 == body_sha256)
        .limit(1)
    ).one()
    return str(key), str(object_sha)
