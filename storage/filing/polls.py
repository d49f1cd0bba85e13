"""What a poll leaves in the catalog: the outlet's state, its documents, its revisits.

The outlets file is the roster; :func:`sync_roster` brings ``outlet_states``
in line with it (outlets added get a row due now, those gone from the file
are kept, with their history, but never claimed again).  After a poll,
:func:`save_polls` writes each outlet's new state (ending its claim), its
discovery documents' validators and digests, the time of the revisits it
asked for, and the robots.txt files the crawl downloaded, in one
transaction for the whole batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from newsarchive.records import DocumentCheck, OutletState, OutletStatus
from newsarchive.storage.catalog.models import ArticleRow, DocumentRow, OutletRow, OutletStateRow
from newsarchive.storage.catalog.statements import insert_ignoring_conflicts
from newsarchive.storage.filing import robots, runs
from newsarchive.storage.objects import layout
from newsarchive.storage.results import Polled, RosterEntry

ROWS_PER_STATEMENT = 500
WHOLE_TABLE_ABOVE = 5000


def outlet_ids(session: Session, names: Iterable[str]) -> dict[str, int]:
    """Outlet name -> row id, the rows of names not seen before added (in bulk).

    A few names are looked up by name; a fleet's worth in one read of the
    whole table, which at 100,000 outlets is faster than 200 lookups.
    """
    wanted = list(dict.fromkeys(names))
    for name in wanted:
        layout.checked_outlet(name)
    if len(wanted) > WHOLE_TABLE_ABOVE:
        known: dict[str, int] = dict(session.execute(select(OutletRow.name, OutletRow.id)).all())
    else:
        known = _ids_by_name(session, wanted)
    now = datetime.now(UTC)
    missing = [name for name in wanted if name not in known]
    rows = [{"name": name, "info": {}, "created_at": now} for name in missing]
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        insert_ignoring_conflicts(
            session, OutletRow, rows[start : start + ROWS_PER_STATEMENT], ["name"]
        )
    known |= _ids_by_name(session, missing)
    return {name: known[name] for name in wanted}


def _ids_by_name(session: Session, names: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(names), ROWS_PER_STATEMENT):
        chunk = names[start : start + ROWS_PER_STATEMENT]
        query = select(OutletRow.name, OutletRow.id).where(OutletRow.name.in_(chunk))
        found.update(session.execute(query).all())
    return found


def outlet_infos(session: Session, ids: Iterable[int]) -> dict[int, Any]:
    """Outlet row id -> the settings kept with it."""
    wanted = list(ids)
    found: dict[int, Any] = {}
    for start in range(0, len(wanted), ROWS_PER_STATEMENT):
        chunk = wanted[start : start + ROWS_PER_STATEMENT]
        found.update(
            session.execute(
                select(OutletRow.id, OutletRow.info).where(OutletRow.id.in_(chunk))
            ).all()
        )
    return found


def sync_roster(session: Session, roster: Sequence[RosterEntry], *, whole: bool = True) -> None:
    """Make ``outlet_states`` follow the outlets file: a row per outlet, flags as written.

    ``whole``: the roster is the whole file, and outlets missing from it have
    left (they are kept, never claimed again); otherwise it is some of the
    file's outlets, as a run of named outlets has them.  Read as plain tuples
    and written only where something changed: the fleet does this before
    every cycle, and a file of 100,000 outlets that did not change costs one
    read.
    """
    ids = outlet_ids(session, [entry.outlet for entry in roster])
    table = OutletStateRow
    held = {
        outlet_id: (collection, paused, in_file)
        for outlet_id, collection, paused, in_file in session.execute(
            select(table.outlet_id, table.collection, table.paused, table.in_file)
        )
    }
    new, changed = [], []
    for entry in roster:
        outlet_id = ids[entry.outlet]
        wanted = (entry.collection, not entry.enabled, True)
        before = held.pop(outlet_id, None)
        if before is None:
            new.append(
                {
                    "outlet_id": outlet_id,
                    "collection": entry.collection,
                    "paused": not entry.enabled,
                    "status": _status(entry.enabled),
                    "alerts": [],
                }
            )
        elif before != wanted:
            changed.append((outlet_id, entry, before[1]))
    for start in range(0, len(new), ROWS_PER_STATEMENT):
        insert_ignoring_conflicts(
            session, table, new[start : start + ROWS_PER_STATEMENT], ["outlet_id"]
        )
    for outlet_id, entry, was_paused in changed:
        values: dict[str, Any] = {
            "collection": entry.collection,
            "paused": not entry.enabled,
            "in_file": True,
        }
        if not entry.enabled:
            values["status"] = OutletStatus.PAUSED.value
        elif was_paused:  # enabled again in the file: due now
            values |= {"status": OutletStatus.WORKING.value, "next_due": None}
        session.execute(update(table).where(table.outlet_id == outlet_id).values(**values))
    departed = [outlet_id for outlet_id, flags in held.items() if flags[2]] if whole else []
    for start in range(0, len(departed), ROWS_PER_STATEMENT):
        session.execute(
            update(table)
            .where(table.outlet_id.in_(departed[start : start + ROWS_PER_STATEMENT]))
            .values(in_file=False)
        )


def _status(enabled: bool) -> str:
    return (OutletStatus.WORKING if enabled else OutletStatus.PAUSED).value


def save_polls(
    session: Session, states: Sequence[OutletState], polled: Polled, at: datetime
) -> None:
    """Write the outlets' states after a poll (ending their claims), the runs' counts, the
    documents, the revisits and the robots.txt files.

    The states go in one statement run over all of them, and the documents are
    read in one query: a fleet settles hundreds of outlets at once, and a
    statement each made settling cost more than the polls.
    """
    ids = outlet_ids(session, [*(state.outlet for state in states), *polled.counts])
    _save_states(session, {ids[state.outlet]: state for state in states})
    for outlet, counts in polled.counts.items():
        runs.record(session, ids[outlet], counts, at)
    _save_documents(session, {ids[name]: checks for name, checks in polled.documents.items()}, at)
    for outlet, keys in polled.revisited.items():
        _mark_revisited(session, ids[outlet], keys, at)
    robots.save(session, polled.robots)


def _save_states(session: Session, states: Mapping[int, OutletState]) -> None:
    table = cast(Table, OutletStateRow.__table__)
    held = _existing(session, OutletStateRow.outlet_id, list(states))
    rows = [{"b_outlet_id": oid, **_state_values(s)} for oid, s in states.items() if oid in held]
    if rows:
        session.execute(update(table).where(table.c.outlet_id == bindparam("b_outlet_id")), rows)
    for outlet_id, state in states.items():
        if outlet_id not in held:
            values = {"outlet_id": outlet_id, **_state_values(state)}
            insert_ignoring_conflicts(session, OutletStateRow, values, ["outlet_id"])


def _existing(session: Session, column: Any, ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(ids), ROWS_PER_STATEMENT):
        chunk = ids[start : start + ROWS_PER_STATEMENT]
        found.update(session.scalars(select(column).where(column.in_(chunk))))
    return found


def _state_values(state: OutletState) -> dict[str, Any]:
    values = asdict(state)
    del values["outlet"]
    values["status"] = state.status.value
    values["alerts"] = list(state.alerts)
    return {**values, "claimed_by": None, "claimed_until": None}


def _save_documents(
    session: Session, checks: Mapping[int, Sequence[DocumentCheck]], at: datetime
) -> None:
    """Keep what the next poll compares with; a document that failed keeps its last validators."""
    answered = {
        outlet_id: [c for c in found if c.failure is None and c.status in (200, 304)]
        for outlet_id, found in checks.items()
    }
    answered = {outlet_id: found for outlet_id, found in answered.items() if found}
    wanted = list(answered)
    rows: dict[tuple[int, str], DocumentRow] = {}
    for start in range(0, len(wanted), ROWS_PER_STATEMENT):
        chunk = wanted[start : start + ROWS_PER_STATEMENT]
        for kept in session.scalars(select(DocumentRow).where(DocumentRow.outlet_id.in_(chunk))):
            rows[kept.outlet_id, kept.url] = kept
    for outlet_id, found in answered.items():
        for check in found:
            row = rows.get((outlet_id, check.url))
            if row is None:
                row = DocumentRow(outlet_id=outlet_id, url=check.url, changed_at=at, listed=0)
                session.add(row)
            row.checked_at, row.status = at, check.status
            if check.status == 304:
                continue
            if check.sha256 != row.sha256:
                row.changed_at = at
            row.etag, row.last_modified, row.sha256 = check.etag, check.last_modified, check.sha256
            row.listed = check.listed


def _mark_revisited(session: Session, outlet_id: int, keys: Sequence[str], at: datetime) -> None:
    for start in range(0, len(keys), ROWS_PER_STATEMENT):
        session.execute(
            update(ArticleRow)
            .where(
                ArticleRow.outlet_id == outlet_id,
                ArticleRow.url_key.in_(list(keys[start : start + ROWS_PER_STATEMENT])),
            )
            .values(last_revisit=at)
        )
