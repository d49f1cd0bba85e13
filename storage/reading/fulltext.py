"""One full-text interface over two engines: SQLite FTS5 and PostgreSQL tsvector.

Two indexes, the same on both engines: ``article_search`` holds each
article's latest title and text (a new version replaces it), and
``version_search`` every version's, for ``--all-versions``.  Queries are
parsed by :mod:`searchquery` (phrases, ``OR``, ``-exclusion``, ``prefix*``),
so user input never reaches either engine's own syntax.

A near-duplicate is folded under its original: a republished wire copy is
listed with the article it copies, not as a hit of its own.

What one version adds to either index is capped: the first
:data:`INDEXED_TEXT_CHARS` characters of its text and
:data:`INDEXED_TITLE_CHARS` of its title are indexed, cut at a word's end.
An article's own words come first, and the longest news articles are well
inside the cap; a page of 400 KB of unique tokens (a data dump, a spam
page) cost 2 MB of index uncapped, written twice (latest and every
version), and its tokens would crowd every search's vocabulary.  The text
stays archived whole; only searching it stops at the cap.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Float, Integer, Text, bindparam, column, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnClause, TextClause

from newsarchive.errors import InputError
from newsarchive.storage.catalog.models import UTCDateTime
from newsarchive.storage.objects import ObjectStore
from newsarchive.storage.reading.searchquery import SearchQuery
from newsarchive.storage.reading.snapshots import checked_get
from newsarchive.storage.results import SearchHit

INDEXED_TEXT_CHARS = 100_000
"""Characters of a version's text that are indexed (about 16,000 English words)."""
INDEXED_TITLE_CHARS = 1_000
"""Characters of a version's title that are indexed."""

_RAW_ROWS_PER_HIT = 5  # rows fetched per hit wanted, so that folding still fills the page

# Each index: its table, its key column on PostgreSQL (SQLite uses the rowid),
# and how a row of it joins the versions table.
_INDEXES = {
    "article_search": ("article_id", "v.article_id = s.{key} AND v.id = ("
                       "SELECT l.id FROM versions AS l WHERE l.article_id = v.article_id "
                       "ORDER BY l.fetched_at DESC LIMIT 1)"),
    "version_search": ("version_id", "v.id = s.{key}"),
}  # fmt: skip


def index_version(session: Session, version_id: int, title: str | None, body: str) -> None:
    """Make (title, body) searchable as the text of one version."""
    _write(session, "version_search", [{"id": version_id, "title": title, "body": body}], new=False)


@dataclass
class SearchDocuments:
    """The search documents of a transaction's filings, written together before it commits.

    SQLite's FTS5 keeps the documents written to it in memory until a
    statement opens a savepoint (filing's inserts and updates do), then
    writes them out as a new segment of its index.  Written as each page is
    filed, that was one segment a page, and the statement after them paid
    for it: about 0.65 ms a page, of 5 ms of SQL.  Written once for a group
    commit, they make one segment for the batch.
    """

    versions: dict[int, tuple[str | None, str]] = field(default_factory=dict)
    articles: dict[int, tuple[str | None, str, bool]] = field(default_factory=dict)

    def add_version(self, version_id: int, title: str | None, body: str) -> None:
        self.versions[version_id] = (title, body)

    def add_article(self, article_id: int, title: str | None, body: str, *, new: bool) -> None:
        """The article's latest text; ``new`` when it has never been indexed (just created)."""
        earlier = self.articles.get(article_id)
        self.articles[article_id] = (title, body, new if earlier is None else earlier[2])

    def write(self, session: Session) -> None:
        versions = [{"id": i, "title": t, "body": b} for i, (t, b) in self.versions.items()]
        _write(session, "version_search", versions, new=True)
        for new in (True, False):
            articles = [
                {"id": i, "title": t, "body": b}
                for i, (t, b, created) in self.articles.items()
                if created is new
            ]
            _write(session, "article_search", articles, new=new)
        self.versions.clear()
        self.articles.clear()


def _write(session: Session, table: str, rows: list[dict[str, Any]], *, new: bool) -> None:
    """Replace the rows' documents, capped; rows known to be new have none to delete first."""
    if rows:
        capped = [
            {
                "id": row["id"],
                "title": row["title"] and _capped(row["title"], INDEXED_TITLE_CHARS),
                "body": _capped(row["body"], INDEXED_TEXT_CHARS),
            }
            for row in rows
        ]
        connection = session.connection()
        for statement in _index_statements(_dialect(session), table, new=new):
            connection.execute(statement, capped)


def _capped(text: str, limit: int) -> str:
    """The first ``limit`` characters of ``text``, without the part of a word cut in two."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    if not (head[-1].isalnum() and text[limit].isalnum()):
        return head
    space = max(head.rfind(" "), head.rfind("\n"))
    return head[:space] if space > 0 else head


@cache
def _index_statements(dialect: str, table: str, *, new: bool) -> tuple[TextClause, ...]:
    if dialect == "sqlite":
        insert = text(f"INSERT INTO {table} (rowid, title, body) VALUES (:id, :title, :body)")  # noqa: S608
        delete = text(f"DELETE FROM {table} WHERE rowid = :id")  # noqa: S608
        return (insert,) if new else (delete, insert)
    key = _INDEXES[table][0]
    upsert = text(
        f"INSERT INTO {table} ({key}, title, body) VALUES (:id, :title, :body) "  # noqa: S608
        f"ON CONFLICT ({key}) DO UPDATE SET title = excluded.title, body = excluded.body"
    )
    return (upsert,)


_MISSING = """
SELECT v.id, v.title, c.key, c.sha256 FROM versions AS v
JOIN contents AS c ON c.sha256 = v.text_sha256
WHERE v.id NOT IN (SELECT {key} FROM version_search) ORDER BY v.id
"""


def missing_versions(session: Session) -> list[tuple[int, str | None, str, str]]:
    """(version id, title, text object key and SHA-256) of versions ``version_search`` lacks.

    Those are versions filed before the index existed (the migration that
    made it cannot read the object store).
    """
    query = text(_MISSING.format(key=_key(session, "version_search")))
    return [(int(row[0]), row[1], row[2], row[3]) for row in session.execute(query)]


def index_missing_versions(session: Session, store: ObjectStore) -> int:
    """Index the versions :func:`missing_versions` names, from their text objects."""
    missing = missing_versions(session)
    for version_id, title, key, sha256 in missing:
        index_version(session, version_id, title, checked_get(store, key, sha256).decode("utf-8"))
    return len(missing)


@dataclass(frozen=True, slots=True)
class Filters:
    """What narrows a search besides its words: outlet, publication and first-seen dates,
    versions."""

    outlet: str | None = None
    since: datetime | None = None  # published (or, without a date, first seen) at or after
    until: datetime | None = None  # ... at or before
    all_versions: bool = False
    archived_since: datetime | None = None  # first seen at or after
    archived_until: datetime | None = None  # ... at or before


_SELECT = """
SELECT a.id, a.duplicate_of_id, a.url, o.name, s.title, {snippet}, {score},
       v.number, v.fetched_at, v.published, d.url
FROM {table} AS s {query_join}
JOIN versions AS v ON {version_join}
JOIN articles AS a ON a.id = v.article_id
JOIN outlets AS o ON o.id = a.outlet_id
LEFT JOIN articles AS d ON d.id = a.duplicate_of_id
WHERE {match}
  AND (CAST(:outlet AS TEXT) IS NULL OR o.name = :outlet)
  AND (:since IS NULL OR coalesce(v.published, a.first_seen) >= :since)
  AND (:until IS NULL OR coalesce(v.published, a.first_seen) <= :until)
  AND (:archived_since IS NULL OR a.first_seen >= :archived_since)
  AND (:archived_until IS NULL OR a.first_seen <= :archived_until)
ORDER BY {order}
LIMIT :limit
"""

_TIME_FILTERS = ("since", "until", "archived_since", "archived_until")
_INTEGER, _TEXT, _TIME = Integer(), Text(), UTCDateTime()
_RESULT_COLUMNS: list[ColumnClause[Any]] = [
    column("id", _INTEGER), column("duplicate_of_id", _INTEGER), column("url", _TEXT),
    column("outlet", _TEXT), column("title", _TEXT), column("snippet", _TEXT),
    column("score", Float()), column("number", _INTEGER), column("fetched_at", _TIME),
    column("published", _TIME), column("original", _TEXT),
]  # fmt: skip
"""The types of the columns :data:`_SELECT` returns, in order (raw SQL has none of its own)."""

_SQLITE = {
    "snippet": "snippet({table}, 1, '[', ']', '…', 16)",
    "score": "-bm25({table})",
    "query_join": "",
    "match": "{table} MATCH :query",
    "order": "bm25({table})",
}
_POSTGRES = {
    "snippet": (
        "ts_headline('english', s.body, q, 'StartSel=[, StopSel=], MaxWords=30, MinWords=10')"
    ),
    "score": "ts_rank(s.document, q)",
    "query_join": "CROSS JOIN to_tsquery('english', :query) AS q",
    "match": "s.document @@ q",
    "order": "ts_rank(s.document, q) DESC",
}


def search(
    session: Session, query: SearchQuery, *, limit: int, filters: Filters = Filters()
) -> list[SearchHit]:
    """Articles whose latest text (or any version's) matches ``query``, best first."""
    if limit < 1:
        raise InputError("search limit must be at least 1")
    table = "version_search" if filters.all_versions else "article_search"
    sqlite = _dialect(session) == "sqlite"
    parts = _SQLITE if sqlite else _POSTGRES
    key = _key(session, table)
    sql = _SELECT.format(
        table=table,
        version_join=_INDEXES[table][1].format(key=key),
        **{name: part.format(table=table) for name, part in parts.items()},
    )
    statement = (
        text(sql)
        .bindparams(*(bindparam(name, type_=UTCDateTime()) for name in _TIME_FILTERS))
        .columns(*_RESULT_COLUMNS)
    )
    params = {
        "query": query.fts5() if sqlite else query.tsquery(),
        "outlet": filters.outlet,
        **{name: getattr(filters, name) for name in _TIME_FILTERS},
        "limit": limit * _RAW_ROWS_PER_HIT,
    }
    return _folded(session.execute(statement, params), limit)


def _folded(rows: Iterable[Sequence[Any]], limit: int) -> list[SearchHit]:
    """One hit per original article, best first: its copies and other versions folded in."""
    heads: dict[int, tuple[int, SearchHit]] = {}  # group -> (article id, its best hit)
    copies: dict[int, list[str]] = {}
    matched: dict[int, set[int]] = {}  # article id -> the versions whose text matched
    for article_id, original_id, url, outlet, title, snippet, score, number, at, pub, dup in rows:
        group = original_id or article_id
        matched.setdefault(article_id, set()).add(number)
        hit = SearchHit(
            url=url, outlet=outlet, title=title, snippet=snippet, score=float(score),
            version=number, fetched_at=at, published=pub, duplicate_of=dup,
        )  # fmt: skip
        if original_id is not None:
            if url not in copies.setdefault(group, []):
                copies[group].append(url)
            heads.setdefault(group, (article_id, hit))
        elif group not in heads or heads[group][1].duplicate_of is not None:
            heads[group] = (article_id, hit)  # the original itself heads its group
    hits = [
        replace(
            hit,
            duplicates=tuple(url for url in copies.get(group, []) if url != hit.url),
            versions=tuple(sorted(matched[article_id])),
        )
        for group, (article_id, hit) in heads.items()
    ]
    return hits[:limit]


def _key(session: Session, table: str) -> str:
    return "rowid" if _dialect(session) == "sqlite" else _INDEXES[table][0]


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name
