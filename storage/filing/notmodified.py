"""Conditional refetches answered 304, many recorded in one transaction.

A 304 says the text current at that time is still served: its fetch row
names the article and that version, and both have their ``last_seen``
moved, exactly as :meth:`Archive.record_fetch` does for one 304.  Done for a
batch, the articles and their versions are read in two queries (the
articles row-locked, as one at a time locks each) and the rows go through
SQLAlchemy Core: a recrawl of thousands of unchanged pages is then a few
statements per page, not a unit of work each.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, Update, select, tuple_
from sqlalchemy.orm import Session

from newsarchive.identity import article_key
from newsarchive.records import ArchiveOutcome
from newsarchive.storage.catalog.models import ArticleRow, FetchRow, VersionRow
from newsarchive.storage.catalog.statements import insert_ignoring_conflicts, update_by_id

# The batch's two UPDATEs of last_seen, built once like filing's statements.
_MOVE_ARTICLES = update_by_id(cast(Table, ArticleRow.__table__), "last_seen")
_MOVE_VERSIONS = update_by_id(cast(Table, VersionRow.__table__), "last_seen")


def record(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert the 304s' fetch rows (the values ``record_fetch`` writes), skipping any already
    recorded; each one inserted moves its article's and its version's ``last_seen``."""
    articles = _articles(session, {article_key(values["url"]) for values in rows})
    versions = _versions(session, [article_id for article_id, _ in articles.values()])
    recorded = _recorded(session, rows)
    article_seen: dict[int, datetime] = {}
    version_seen: dict[int, datetime] = {}
    for values in rows:
        at: datetime = values["fetched_at"]
        if (values["url"], at) in recorded:
            continue  # as record_fetch, which inserts nothing (and draws no id) for it
        recorded.add((values["url"], at))
        article = articles.get(article_key(values["url"]))
        version = None
        if article is not None:
            version = _current(versions.get(article[0], []), at)
            values = {
                **values,
                "article_id": article[0],
                "archive_outcome": ArchiveOutcome.UNCHANGED.value,
                "version_id": version[0] if version is not None else None,
            }
        inserted = insert_ignoring_conflicts(session, FetchRow, values, ["url", "fetched_at"])
        if not inserted or article is None:
            continue  # recorded already, or no article to have been seen again
        article_seen[article[0]] = max(article_seen.get(article[0], article[1]), at)
        if version is not None:
            version_seen[version[0]] = max(version_seen.get(version[0], version[2]), at)
    _move_last_seen(session, _MOVE_ARTICLES, article_seen, dict(articles.values()))
    _move_last_seen(session, _MOVE_VERSIONS, version_seen, _seen_of(versions))


def _recorded(session: Session, rows: Sequence[dict[str, Any]]) -> set[tuple[str, datetime]]:
    """The (url, fetched_at) of the batch's fetches that the catalog holds already."""
    wanted = [(values["url"], values["fetched_at"]) for values in rows]
    query = select(FetchRow.url, FetchRow.fetched_at).where(
        tuple_(FetchRow.url, FetchRow.fetched_at).in_(wanted)
    )
    return {(url, at) for url, at in session.execute(query)}


def _articles(session: Session, keys: set[str]) -> dict[str, tuple[int, datetime]]:
    """Article key -> (id, last_seen), row-locked (on PostgreSQL) for this transaction.

    The locks are taken in id order, so two batches that share articles
    (two processes) queue for each other instead of deadlocking.
    """
    query = (
        select(ArticleRow.url_key, ArticleRow.id, ArticleRow.last_seen)
        .where(ArticleRow.url_key.in_(keys))
        .order_by(ArticleRow.id)
        .with_for_update()
    )
    return {key: (article_id, seen) for key, article_id, seen in session.execute(query)}


def _versions(
    session: Session, article_ids: list[int]
) -> dict[int, list[tuple[int, datetime, datetime]]]:
    """Article id -> its versions as (id, fetched_at, last_seen)."""
    query = select(
        VersionRow.article_id, VersionRow.id, VersionRow.fetched_at, VersionRow.last_seen
    ).where(VersionRow.article_id.in_(article_ids))
    found: dict[int, list[tuple[int, datetime, datetime]]] = {}
    for article_id, version_id, fetched_at, seen in session.execute(query):
        found.setdefault(article_id, []).append((version_id, fetched_at, seen))
    return found


def _current(
    versions: list[tuple[int, datetime, datetime]], at: datetime
) -> tuple[int, datetime, datetime] | None:
    """The version current at ``at`` (the last fetched at or before it), as ``version_at``."""
    earlier = [v for v in versions if v[1] <= at]
    return max(earlier, key=lambda v: v[1]) if earlier else None


def _seen_of(versions: dict[int, list[tuple[int, datetime, datetime]]]) -> dict[int, datetime]:
    return {v[0]: v[2] for listed in versions.values() for v in listed}


def _move_last_seen(
    session: Session, statement: Update, seen: dict[int, datetime], before: dict[int, datetime]
) -> None:
    """One executemany UPDATE of the rows whose ``last_seen`` moved forward."""
    moved = [{"row_id": i, "last_seen": at} for i, at in seen.items() if at > before[i]]
    if moved:
        session.connection().execute(statement, moved)
