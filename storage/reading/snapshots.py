"""Reading the archive back: listings, snapshots at a moment, version histories.

Every object read is checked against the SHA-256 the catalog holds for it,
so an archivist is never handed silently damaged bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from newsarchive.errors import NotFoundError, StorageError
from newsarchive.identity import article_key
from newsarchive.storage.catalog.models import (
    ArticleRow,
    ContentRow,
    FetchRow,
    OutletRow,
    VersionRow,
)
from newsarchive.storage.objects import ObjectStore, layout, sha256_hex
from newsarchive.storage.results import ArticleSummary, CaptureInfo, Snapshot, VersionInfo


def checked_get(store: ObjectStore, key: str, sha256: str | None) -> bytes:
    data = store.get(key)
    if sha256 is not None and sha256_hex(data) != sha256:
        raise StorageError(f"object {key} in {store.url} does not match its SHA-256")
    return data


def raw_body(
    store: ObjectStore, key: str, object_sha256: str | None, body_sha256: str | None
) -> bytes:
    """The page exactly as fetched: the stored gzip object, decompressed and checked."""
    body = layout.decompress_raw(checked_get(store, key, object_sha256))
    if body_sha256 is not None and sha256_hex(body) != body_sha256:
        raise StorageError(f"raw page {key} in {store.url} does not match its SHA-256")
    return body


def version_at(session: Session, article_id: int, at: datetime | None) -> VersionRow | None:
    """The version current at ``at``: the last one fetched at or before it.

    Time, not the version number, orders versions: a fetch whose extraction
    is redone late is filed against the text current when it was fetched.
    """
    query = select(VersionRow).where(VersionRow.article_id == article_id)
    if at is not None:
        query = query.where(VersionRow.fetched_at <= at)
    return session.scalars(query.order_by(VersionRow.fetched_at.desc()).limit(1)).first()


def find_article(session: Session, url: str) -> tuple[ArticleRow, str]:
    """The article ``url`` names, however it is written (see :mod:`newsarchive.identity`)."""
    row = session.execute(
        select(ArticleRow, OutletRow.name)
        .join(OutletRow, OutletRow.id == ArticleRow.outlet_id)
        .where(ArticleRow.url_key == article_key(url))
    ).first()
    if row is None:
        raise NotFoundError(f"nothing archived for {url}")
    return row[0], row[1]


@dataclass(frozen=True, slots=True)
class Window:
    """Which articles a listing keeps, by when they were published and when first archived.

    ``since`` and ``until`` bound the publication date of the latest version
    (the first-seen time of an article without one), as search's do;
    ``archived_since`` and ``archived_until`` bound the first-seen time.
    """

    since: datetime | None = None
    until: datetime | None = None
    archived_since: datetime | None = None
    archived_until: datetime | None = None


def list_articles(
    session: Session,
    outlet: str | None,
    window: Window = Window(),
    *,
    offset: int = 0,
    limit: int | None = None,
) -> Iterator[ArticleSummary]:
    latest = (
        select(
            VersionRow.article_id,
            func.max(VersionRow.fetched_at).label("fetched_at"),
            func.count().label("versions"),
        )
        .group_by(VersionRow.article_id)
        .subquery()
    )
    original = aliased(ArticleRow)
    query = (
        select(
            ArticleRow.url,
            OutletRow.name,
            VersionRow.title,
            VersionRow.published,
            ArticleRow.first_seen,
            ArticleRow.last_seen,
            latest.c.versions,
            VersionRow.text_sha256,
            original.url,
        )
        .join(OutletRow, OutletRow.id == ArticleRow.outlet_id)
        .join(latest, latest.c.article_id == ArticleRow.id)
        .join(
            VersionRow,
            and_(
                VersionRow.article_id == ArticleRow.id, VersionRow.fetched_at == latest.c.fetched_at
            ),
        )
        .outerjoin(original, original.id == ArticleRow.duplicate_of_id)
        .order_by(ArticleRow.first_seen, ArticleRow.id)
    )
    if outlet is not None:
        query = query.where(OutletRow.name == outlet)
    published = func.coalesce(VersionRow.published, ArticleRow.first_seen)
    for column, start, end in (
        (published, window.since, window.until),
        (ArticleRow.first_seen, window.archived_since, window.archived_until),
    ):
        if start is not None:
            query = query.where(column >= start)
        if end is not None:
            query = query.where(column <= end)
    query = query.offset(offset).limit(limit)
    for row in session.execute(query.execution_options(yield_per=500)):
        yield ArticleSummary(
            url=row[0],
            outlet=row[1],
            title=row[2],
            published=row[3],
            first_seen=row[4],
            last_seen=row[5],
            versions=int(row[6]),
            sha256=row[7],
            duplicate_of=row[8],
        )


def snapshot(session: Session, store: ObjectStore, url: str, at: datetime | None) -> Snapshot:
    """The version current at ``at`` (the latest by default), with its page and text."""
    article, outlet = find_article(session, url)
    version = version_at(session, article.id, at)
    if version is None:
        moment = at.isoformat() if at is not None else "any time"
        raise NotFoundError(f"{article.url} has no version archived at or before {moment}")
    return _snapshot(session, store, article, outlet, version, version.fetch_id)


def capture_snapshot(
    session: Session, store: ObjectStore, url: str, capture: CaptureInfo
) -> Snapshot:
    """The page as one capture served it (for a revisit, the bytes first captured) and its text.

    For a gone capture that is what was served instead of the article, with
    no text, and the metadata of the last version under ``gone``.  For a
    revisit (a 304, or the same bytes again) the metadata's ``fetch`` is the
    fetch whose bytes it repeats, and ``capture`` the fetch that answered.
    """
    article, outlet = find_article(session, url)
    version = session.scalars(
        select(VersionRow).where(
            VersionRow.article_id == article.id, VersionRow.number == capture.version
        )
    ).one()
    raw_fetch = session.scalars(
        select(FetchRow.id)
        .where(FetchRow.article_id == article.id, FetchRow.raw_sha256 == capture.raw_sha256)
        .order_by(FetchRow.fetched_at)
        .limit(1)
    ).one()
    return _snapshot(session, store, article, outlet, version, raw_fetch, capture)


def _snapshot(
    session: Session,
    store: ObjectStore,
    article: ArticleRow,
    outlet: str,
    version: VersionRow,
    raw_fetch_id: int,
    capture: CaptureInfo | None = None,
) -> Snapshot:
    fetch = session.get(FetchRow, raw_fetch_id)
    content = session.get(ContentRow, version.text_sha256)
    if fetch is None or fetch.raw_key is None or content is None:
        raise StorageError(f"catalog entry of {article.url} v{version.number} is incomplete")
    meta: dict[str, Any] = json.loads(checked_get(store, version.meta_key, version.meta_sha256))
    meta["last_seen"] = version.last_seen.isoformat()
    text = ""  # a gone capture served no text: its metadata says what went
    if capture is not None and capture.is_revisit:
        meta["capture"] = _revisit_meta(capture)
    if capture is not None and capture.gone:
        meta["gone"] = _gone_meta(capture)
    else:
        text = checked_get(store, content.key, content.sha256).decode("utf-8")
    duplicate_of = None
    if article.duplicate_of_id is not None:
        duplicate_of = session.scalars(
            select(ArticleRow.url).where(ArticleRow.id == article.duplicate_of_id)
        ).one()
    return Snapshot(
        url=article.url,
        outlet=outlet,
        version=version.number,
        fetched_at=capture.fetched_at if capture is not None else version.fetched_at,
        raw=raw_body(store, fetch.raw_key, fetch.raw_object_sha256, fetch.raw_sha256),
        text=text,
        meta=meta,
        duplicate_of=duplicate_of,
        capture=capture,
    )


def _gone_meta(capture: CaptureInfo) -> dict[str, Any]:
    assert capture.gone_since is not None
    return {
        "since": capture.gone_since.isoformat(),
        "status": capture.status,
        "location": capture.location,
    }


def _revisit_meta(capture: CaptureInfo) -> dict[str, Any]:
    """The fetch that answered a revisit, as an archivist asks ``get --at ... --meta`` for it."""
    assert capture.revisit_of is not None
    return {
        "fetched_at": capture.fetched_at.isoformat(),
        "status": capture.status,
        "revisit": "not-modified" if capture.not_modified else "same-bytes",
        "repeats": capture.revisit_of.isoformat(),
        "requested_url": capture.requested_url,
        "final_url": capture.final_url,
        "request_headers": layout.headers_json(capture.request_headers),
        "response_headers": layout.headers_json(capture.response_headers),
    }


def history(session: Session, url: str) -> list[VersionInfo]:
    article, _outlet = find_article(session, url)
    versions = session.scalars(
        select(VersionRow)
        .where(VersionRow.article_id == article.id)
        .order_by(VersionRow.fetched_at)
    )
    return [
        VersionInfo(
            version=v.number,
            fetched_at=v.fetched_at,
            last_seen=v.last_seen,
            sha256=v.text_sha256,
            title=v.title,
            published=v.published,
        )
        for v in versions
    ]
