"""Claims on outlets: which run polls an outlet now, so that no two poll it at once.

A fleet run claims a batch of due outlets in one statement; on PostgreSQL
the rows are chosen ``FOR UPDATE SKIP LOCKED``, so several workers claiming
at the same moment get disjoint batches without waiting on each other, and
on SQLite the write transaction (``BEGIN IMMEDIATE``) already serialises
them.  A claim names its holder and expires: a run killed in the middle of
a poll never keeps its outlets from the next one, and one whose holder was a
process of this machine that is gone (SIGKILL leaves no time to release) is
no one's at once, as a site lease is (:mod:`.leases`).  Saving an outlet's
state after its poll ends its claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from newsarchive.records import OutletStatus
from newsarchive.storage.catalog.leases import Holder
from newsarchive.storage.catalog.models import OutletRow, OutletStateRow

IDS_PER_STATEMENT = 500


def release_lapsed(session: Session, now: datetime) -> None:
    """End the claims of holders known to be dead: processes of this machine that are gone."""
    holders = session.scalars(
        select(OutletStateRow.claimed_by)
        .where(OutletStateRow.claimed_until > now, OutletStateRow.claimed_by.is_not(None))
        .distinct()
    ).all()
    for text in holders:
        holder = Holder.parse(text or "")
        if holder is not None and holder.is_gone():
            release(session, str(holder))


def _unclaimed(now: datetime) -> ColumnElement[bool]:
    return or_(OutletStateRow.claimed_until.is_(None), OutletStateRow.claimed_until <= now)


def claim_due(
    session: Session,
    collection: str | None,
    now: datetime,
    holder: str,
    until: datetime,
    limit: int,
) -> list[str]:
    """Claim up to ``limit`` outlets due at ``now`` (most overdue first); their names.

    Due: in the outlets file, not paused, not disabled, its next due time
    passed (or never polled), and not claimed by a run whose claim holds.
    """
    release_lapsed(session, now)
    due = and_(
        OutletStateRow.in_file.is_(True),
        OutletStateRow.paused.is_(False),
        OutletStateRow.status != OutletStatus.DISABLED.value,
        or_(OutletStateRow.next_due.is_(None), OutletStateRow.next_due <= now),
        _unclaimed(now),
    )
    if collection is not None:
        due = and_(due, OutletStateRow.collection == collection)
    query = (
        select(OutletStateRow.outlet_id)
        .where(due)
        .order_by(OutletStateRow.next_due.is_not(None), OutletStateRow.next_due)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.scalars(query))
    return _claimed(session, ids, holder, until)


def claim_named(
    session: Session, names: Sequence[str], now: datetime, holder: str, until: datetime
) -> list[str]:
    """Claim the named outlets, due or not, all or none: those claimed by another, if any."""
    release_lapsed(session, now)
    ids, busy = [], []
    wanted = list(dict.fromkeys(names))
    for start in range(0, len(wanted), IDS_PER_STATEMENT):
        rows = session.execute(
            select(OutletStateRow.outlet_id, OutletRow.name, OutletStateRow.claimed_by)
            .join(OutletRow, OutletRow.id == OutletStateRow.outlet_id)
            .where(OutletRow.name.in_(wanted[start : start + IDS_PER_STATEMENT]))
            .with_for_update()
        ).all()
        for outlet_id, name, claimed_by in rows:
            ids.append(outlet_id)
            if claimed_by not in (None, holder):
                busy.append((outlet_id, name))
    if busy:  # a claim that has expired is no one's
        held = set(
            session.scalars(
                select(OutletStateRow.outlet_id).where(
                    OutletStateRow.outlet_id.in_([i for i, _ in busy]), ~_unclaimed(now)
                )
            )
        )
        if taken := [name for outlet_id, name in busy if outlet_id in held]:
            return taken
    _claimed(session, ids, holder, until)
    return []


def _claimed(session: Session, ids: list[int], holder: str, until: datetime) -> list[str]:
    names: list[str] = []
    for start in range(0, len(ids), IDS_PER_STATEMENT):
        chunk = ids[start : start + IDS_PER_STATEMENT]
        session.execute(
            update(OutletStateRow)
            .where(OutletStateRow.outlet_id.in_(chunk))
            .values(claimed_by=holder, claimed_until=until)
        )
        names += session.scalars(select(OutletRow.name).where(OutletRow.id.in_(chunk)))
    return names


def renew(session: Session, holder: str, until: datetime) -> int:
    """Push every claim of ``holder`` to ``until``; how many it still holds."""
    result = session.execute(
        update(OutletStateRow)
        .where(OutletStateRow.claimed_by == holder)
        .values(claimed_until=until)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def release(session: Session, holder: str, names: Sequence[str] | None = None) -> None:
    """End ``holder``'s claims (on ``names`` only, when given)."""
    statement = update(OutletStateRow).where(OutletStateRow.claimed_by == holder)
    if names is not None:
        ids = select(OutletRow.id).where(OutletRow.name.in_(list(names)))
        statement = statement.where(OutletStateRow.outlet_id.in_(ids))
    session.execute(statement.values(claimed_by=None, claimed_until=None))
