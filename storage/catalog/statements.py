"""Statements that read the same on SQLite and PostgreSQL, built once and reused.

Filing runs a handful of these for every page; built once (and cached by
their shape), they skip SQLAlchemy's statement building and caching, which
cost more than the statements' own execution.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from sqlalchemy import Insert, Row, Table, Update, bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from newsarchive.storage.catalog.models import Base


def _dialect_name(session: Session) -> str:
    return session.get_bind().dialect.name


def insert_ignoring_conflicts(
    session: Session,
    model: type[Base],
    values: dict[str, Any] | list[dict[str, Any]],
    conflict: list[str],
) -> bool:
    """``INSERT ... ON CONFLICT DO NOTHING``: the loser of a race simply re-reads.

    A list of rows goes in one executemany statement.  True when a single
    row was inserted, False when it was there already (or for a list).
    """
    dialect, table = _dialect_name(session), model.__table__
    if isinstance(values, dict):
        statement = _ignoring(dialect, table, tuple(conflict), "key")
        return session.connection().execute(statement, values).first() is not None
    session.connection().execute(_ignoring(dialect, table, tuple(conflict), "nothing"), values)
    return False


def inserted_row(
    session: Session, model: type[Base], values: dict[str, Any], conflict: list[str]
) -> Row[Any] | None:
    """The row as inserted, every column as the catalog holds it; None when one was there.

    A Core statement, built once, on the session's connection: filing runs a
    handful of these per page, and the ORM's unit of work and statement
    caching cost five times what SQLite spends executing them.
    """
    statement = _ignoring(_dialect_name(session), model.__table__, tuple(conflict), "row")
    return session.connection().execute(statement, values).first()


def upsert_newer(
    session: Session, model: type[Base], rows: list[dict[str, Any]], conflict: list[str], by: str
) -> None:
    """``INSERT ... ON CONFLICT DO UPDATE`` where the row's ``by`` is later than the one held.

    Of two writers of one row the later value stays, whichever commits last.
    A key should appear once in ``rows``: PostgreSQL refuses to update a row
    twice in one statement.
    """
    statement = _upserting(_dialect_name(session), model.__table__, tuple(conflict), by)
    session.connection().execute(statement, rows)


@cache
def _upserting(dialect: str, table: Table, conflict: tuple[str, ...], by: str) -> Insert:
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    newer = {c.name: insert.excluded[c.name] for c in table.columns if c.name not in conflict}
    return insert.on_conflict_do_update(
        index_elements=list(conflict), set_=newer, where=table.c[by] < insert.excluded[by]
    )


_Returning = Literal["nothing", "key", "row"]


@cache
def _ignoring(
    dialect: str, table: Table, conflict: tuple[str, ...], returning: _Returning
) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).on_conflict_do_nothing(index_elements=list(conflict))
    # a row comes back only when inserted (psycopg's rowcount is -1 here)
    if returning == "nothing":
        return statement
    return statement.returning(*(table.primary_key if returning == "key" else table.columns))


def update_by_id(table: Table, *columns: str, **fixed: Any) -> Update:
    """``UPDATE table SET column = :column, ... WHERE id = :row_id``, to be built once."""
    values: dict[str, Any] = {name: bindparam(name) for name in columns} | fixed
    return update(table).where(table.c.id == bindparam("row_id")).values(**values)
