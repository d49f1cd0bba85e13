"""What changed in the archive lately: articles with a new version, and articles gone.

An update is a version after the first, dated by the capture that first
brought its text.  A departure is an article whose latest capture is gone
(a 404, 410, 451, or a redirect elsewhere), dated from the first of its gone
answers in a row, as :func:`.captures.article_captures` dates it.
"""

from __future__ import annotations

from datetime import datetime
from itertools import groupby

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsarchive.records import FetchOutcome
from newsarchive.storage.catalog.models import ArticleRow, FetchRow, OutletRow, VersionRow
from newsarchive.storage.reading.captures import article_captures, captures_query
from newsarchive.storage.results import Change


def changes(session: Session, since: datetime, limit: int) -> list[Change]:
    """The changes captured at or after ``since``, newest first, at most ``limit``."""
    found = [*_updates(session, since, limit), *_departures(session, since)]
    return sorted(found, key=lambda change: (change.at, change.url), reverse=True)[:limit]


def _updates(session: Session, since: datetime, limit: int) -> list[Change]:
    rows = session.execute(
        select(ArticleRow.url, OutletRow.name, VersionRow.title, VersionRow.fetched_at,
               VersionRow.number)
        .join(ArticleRow, ArticleRow.id == VersionRow.article_id)
        .join(OutletRow, OutletRow.id == ArticleRow.outlet_id)
        .where(VersionRow.number > 1, VersionRow.fetched_at >= since)
        .order_by(VersionRow.fetched_at.desc())
        .limit(limit)
    )  # fmt: skip
    return [
        Change(url=url, outlet=outlet, title=title, at=at, kind="updated", version=number)
        for url, outlet, title, at, number in rows
    ]


def _departures(session: Session, since: datetime) -> list[Change]:
    gone_lately = session.scalars(
        select(FetchRow.article_id)
        .where(FetchRow.outcome == FetchOutcome.GONE.value, FetchRow.fetched_at >= since)
        .distinct()
    )
    ids = [article_id for article_id in gone_lately if article_id is not None]
    if not ids:
        return []
    rows = session.execute(captures_query(ids)).all()
    last = {}  # article id -> its latest capture, when that is gone since ``since``
    for article_id, group in groupby(rows, key=lambda row: row[0].article_id):
        capture = article_captures(group)[-1]
        if capture.gone_since is not None and capture.gone_since >= since:
            last[article_id] = capture
    if not last:
        return []
    versions = session.execute(
        select(ArticleRow.id, ArticleRow.url, OutletRow.name, VersionRow.number, VersionRow.title)
        .join(OutletRow, OutletRow.id == ArticleRow.outlet_id)
        .join(VersionRow, VersionRow.article_id == ArticleRow.id)
        .where(ArticleRow.id.in_(last))
    )
    departures = []
    for article_id, url, outlet, number, title in versions:
        capture = last[article_id]
        if number == capture.version and capture.gone_since is not None:
            departures.append(
                Change(url=url, outlet=outlet, title=title, at=capture.gone_since, kind="gone",
                       version=number, status=capture.status)
            )  # fmt: skip
    return departures
