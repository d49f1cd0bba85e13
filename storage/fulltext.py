"""One full-text interface over two engines: SQLite FTS5 and PostgreSQL tsvector.

Each article has one search document, its latest title and text, keyed by
the article id; a new version replaces it.  Queries are plain words that
must all occur (stemmed English on both sides); the search syntax of either
engine is not exposed, so user input can never produce a syntax error.
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.orm import Session

from newsarchive.errors import InputError
from newsarchive.storage.results import SearchHit

_WORD = re.compile(r"\w+", re.UNICODE)


def index_article(session: Session, article_id: int, title: str | None, body: str) -> None:
    """Make (title, body) the searchable document of the article."""
    params = {"id": article_id, "title": title, "body": body}
    if _dialect(session) == "sqlite":
        session.execute(text("DELETE FROM article_search WHERE rowid = :id"), params)
        session.execute(
            text("INSERT INTO article_search (rowid, title, body) VALUES (:id, :title, :body)"),
            params,
        )
        return
    session.execute(
        text(
            "INSERT INTO article_search (article_id, title, body) VALUES (:id, :title, :body) "
            "ON CONFLICT (article_id) DO UPDATE SET title = excluded.title, body = excluded.body"
        ),
        params,
    )


_SQLITE_SEARCH = """
SELECT a.url, o.name, s.title, snippet(article_search, 1, '[', ']', '…', 16), -bm25(article_search)
FROM article_search AS s
JOIN articles AS a ON a.id = s.rowid
JOIN outlets AS o ON o.id = a.outlet_id
WHERE article_search MATCH :query AND (:outlet IS NULL OR o.name = :outlet)
ORDER BY bm25(article_search)
LIMIT :limit
"""

_POSTGRES_SEARCH = """
SELECT a.url, o.name, s.title,
       ts_headline('english', s.body, q, 'StartSel=[, StopSel=], MaxWords=30, MinWords=10'),
       ts_rank(s.document, q)
FROM article_search AS s
CROSS JOIN plainto_tsquery('english', :query) AS q
JOIN articles AS a ON a.id = s.article_id
JOIN outlets AS o ON o.id = a.outlet_id
WHERE s.document @@ q AND (CAST(:outlet AS TEXT) IS NULL OR o.name = :outlet)
ORDER BY ts_rank(s.document, q) DESC
LIMIT :limit
"""


def search(session: Session, query: str, *, limit: int, outlet: str | None) -> list[SearchHit]:
    """Articles whose latest version holds every word of ``query``, best first."""
    words = _WORD.findall(query)
    if not words:
        raise InputError("search query holds no words")
    if limit < 1:
        raise InputError("search limit must be at least 1")
    if _dialect(session) == "sqlite":
        sql, phrase = _SQLITE_SEARCH, " ".join(f'"{word}"' for word in words)
    else:
        sql, phrase = _POSTGRES_SEARCH, " ".join(words)
    rows = session.execute(text(sql), {"query": phrase, "outlet": outlet, "limit": limit})
    return [
        SearchHit(url=url, outlet=name, title=title, snippet=snippet, score=float(score))
        for url, name, title, snippet, score in rows
    ]


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name
