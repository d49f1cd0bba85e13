"""The archive at a glance: outlets with their counts and last run, and who copies whom.

What a viewer's first pages show; each is one grouped query, however large
the archive.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from newsarchive.storage.catalog.models import ArticleRow, CrawlRunRow, OutletRow, VersionRow
from newsarchive.storage.reading.snapshots import find_article
from newsarchive.storage.results import OutletSummary


def outlet_summaries(session: Session) -> list[OutletSummary]:
    """Every outlet the archive knows, by name: articles, versions, and its last run."""
    articles = (
        select(
            ArticleRow.outlet_id,
            func.count(ArticleRow.id).label("articles"),
            func.count(ArticleRow.duplicate_of_id).label("duplicates"),
            func.max(ArticleRow.last_seen).label("last_seen"),
        )
        .group_by(ArticleRow.outlet_id)
        .subquery()
    )
    versions = (
        select(ArticleRow.outlet_id, func.count(VersionRow.id).label("versions"))
        .join(VersionRow, VersionRow.article_id == ArticleRow.id)
        .group_by(ArticleRow.outlet_id)
        .subquery()
    )
    last_run = (
        select(CrawlRunRow.outlet_id, func.max(CrawlRunRow.finished_at).label("finished_at"))
        .group_by(CrawlRunRow.outlet_id)
        .subquery()
    )
    run = aliased(CrawlRunRow)
    query = (
        select(
            OutletRow.name,
            articles.c.articles,
            articles.c.duplicates,
            versions.c.versions,
            articles.c.last_seen,
            last_run.c.finished_at,
            run.new,
            run.updated,
        )
        .outerjoin(articles, articles.c.outlet_id == OutletRow.id)
        .outerjoin(versions, versions.c.outlet_id == OutletRow.id)
        .outerjoin(last_run, last_run.c.outlet_id == OutletRow.id)
        .outerjoin(
            run, (run.outlet_id == OutletRow.id) & (run.finished_at == last_run.c.finished_at)
        )
        .order_by(OutletRow.name)
    )
    found: dict[str, OutletSummary] = {}
    for name, count, duplicates, versions_, seen, finished, new, updated in session.execute(query):
        found.setdefault(
            name,
            OutletSummary(
                name=name,
                articles=count or 0,
                duplicates=duplicates or 0,
                versions=versions_ or 0,
                last_seen=seen,
                last_run=finished,
                last_run_new=new,
                last_run_updated=updated,
            ),
        )
    return list(found.values())


def copies_of(session: Session, url: str) -> list[str]:
    """URLs of the articles archived as duplicates of the article ``url`` names, oldest first."""
    article, _outlet = find_article(session, url)
    return list(
        session.scalars(
            select(ArticleRow.url)
            .where(ArticleRow.duplicate_of_id == article.id)
            .order_by(ArticleRow.first_seen, ArticleRow.id)
        )
    )
