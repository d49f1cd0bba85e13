"""Filing an extraction: deduplication, versions and the objects behind them.

The rules, in the order they are tried for the fetch being filed:

1. The article is its identity key (:func:`newsarchive.identity.article_key`,
   the same for http and https, with or without ``www.`` or a final slash).
   Its first text is version 1.
2. Same text as the article's latest version (or, for a fetch filed late,
   the version current when it was fetched): no new version, ``last_seen``
   moves (UNCHANGED).  Different text: a new version, numbered in filing
   order (UPDATED); versions are ordered in time by ``fetched_at``.
3. A URL filed for the first time whose text equals, or is near
   (estimated Jaccard >= 0.9, see :mod:`neardup`), a text already archived
   under another URL of any outlet is archived in full but marked
   ``duplicate_of`` the original article (DUPLICATE).  Otherwise NEW.

Objects are written before the rows that name them, inside the transaction
that commits those rows: a failure anywhere leaves no row pointing at a
missing object, and the fetch stays pending so a rerun files it again.
Rows are locked in one order (fetch, content, article), which on PostgreSQL
serialises concurrent filings of the same URL or the same text instead of
letting both create an article or a version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Row, Table, and_, bindparam, func, insert, or_, select
from sqlalchemy.orm import Session

from newsarchive.errors import InputError
from newsarchive.identity import article_key, surt_key
from newsarchive.records import ArchiveOutcome, Extraction
from newsarchive.storage.catalog.models import (
    ArticleRow,
    ContentRow,
    FetchRow,
    LshBandRow,
    VersionRow,
)
from newsarchive.storage.catalog.statements import (
    insert_ignoring_conflicts,
    inserted_row,
    update_by_id,
)
from newsarchive.storage.filing import neardup
from newsarchive.storage.filing.texts import PreparedText, sign_text
from newsarchive.storage.objects import ObjectStore, layout, sha256_hex
from newsarchive.storage.reading import fulltext
from newsarchive.storage.reading.snapshots import version_at
from newsarchive.storage.results import ExtractionState

MAX_CANDIDATES = 100  # texts sharing a band; beyond this the text is boilerplate


def file_fetch(
    session: Session,
    store: ObjectStore,
    fetch: Row[Any],
    outlet: str,
    extraction: Extraction,
    text: PreparedText | None,
    search: fulltext.SearchDocuments,
) -> ArchiveOutcome:
    """File the text of a fetch row this transaction holds (inserted or locked by it).

    ``text`` is the extraction's text signed already (in a crawl's worker
    processes), or None to sign it here.  The rows are read and written
    through Core statements built once: a first crawl files every page, and
    the ORM's unit of work would cost more than the statements themselves.
    The new text's search documents go to ``search``, and its objects to
    ``store`` (a :class:`~newsarchive.storage.objects.HeldPuts`), which the
    caller writes before the transaction commits; a filed fetch answers with
    its first outcome.
    """
    if fetch.extraction_state == ExtractionState.FILED and fetch.archive_outcome:
        return ArchiveOutcome(fetch.archive_outcome)
    if fetch.raw_key is None:
        raise InputError(f"fetch #{fetch.id} of {fetch.url} stored no page to extract from")
    if not extraction.text.strip():
        raise InputError(f"extraction of {fetch.url} holds no text")

    connection = session.connection()
    signed = text if text is not None else sign_text(extraction.text)
    content, new_text = _ensure_content(session, store, extraction.text, signed)
    article, created = _lock_article(session, fetch)
    seen = {
        "first_seen": min(article.first_seen, fetch.fetched_at),
        "last_seen": max(article.last_seen, fetch.fetched_at),
        "duplicate_of_id": article.duplicate_of_id,
    }
    # An article this filing created has no versions yet: nothing to compare or count.
    same = None if created else _same_text_version(session, article.id, fetch, content.sha256)
    if same is not None:
        same.last_seen = max(same.last_seen, fetch.fetched_at)
        version_id, outcome = same.id, ArchiveOutcome.UNCHANGED
    else:
        highest = None
        if not created:
            highest = session.scalar(
                select(func.max(VersionRow.number)).where(VersionRow.article_id == article.id)
            )
        if highest is not None:
            outcome = ArchiveOutcome.UPDATED
        else:
            seen["duplicate_of_id"] = _original_of(session, content, article.id, new_text)
            outcome = (
                ArchiveOutcome.NEW if seen["duplicate_of_id"] is None else ArchiveOutcome.DUPLICATE
            )
        number = (highest or 0) + 1
        version_id = _add_version(
            session, store, fetch, _NewVersion(outlet, article.id, number, content, extraction)
        )
        search.add_version(version_id, extraction.title, extraction.text)
        if created or _newest_version_id(session, article.id) == version_id:  # it is searched
            search.add_article(article.id, extraction.title, extraction.text, new=created)
    if any(seen[name] != getattr(article, name) for name in seen):
        connection.execute(_UPDATE_ARTICLE, {"row_id": article.id, **seen})
    filed = {
        "row_id": fetch.id,
        "extraction_state": ExtractionState.FILED,
        "archive_outcome": outcome.value,
        "article_id": article.id,
        "version_id": version_id,
    }
    connection.execute(_FILE_FETCH, filed)
    return outcome


def _same_text_version(
    session: Session, article_id: int, fetch: Row[Any], text_sha256: str
) -> VersionRow | None:
    """The version this fetch saw again, if any: the one current at its time or the newest.

    Fetches are normally filed in time order and both are the same version.
    They differ for a fetch filed late (a redo, or the slower of two workers):
    its text may be the one current when it was fetched, or the one a later
    fetch has already filed; either way it is no new text.
    """
    for candidate in (
        version_at(session, article_id, fetch.fetched_at),
        version_at(session, article_id, None),
    ):
        if candidate is not None and candidate.text_sha256 == text_sha256:
            return candidate
    return None


def _newest_version_id(session: Session, article_id: int) -> int | None:
    newest = version_at(session, article_id, None)
    return newest.id if newest is not None else None


def _ensure_content(
    session: Session, store: ObjectStore, text: str, signed: PreparedText
) -> tuple[Row[Any], bool]:
    """The catalog row of this text, locked, with its LSH bands; True when this call added it.

    A new text's object is put in ``store`` with its row, and so is in the
    store before the row commits.
    """
    connection = session.connection()
    key = layout.text_key(signed.sha256)
    values = {
        "sha256": signed.sha256,
        "key": key,
        "size": signed.size,
        "minhash": neardup.pack(signed.minhash),
        "created_at": datetime.now(UTC),
    }
    row = inserted_row(session, ContentRow, values, ["sha256"])
    if row is None:  # there already, or a concurrent writer's, whose commit we waited for
        return connection.execute(_LOCKED_CONTENT, {"sha": signed.sha256}).one(), False
    store.put(key, text.encode("utf-8"))
    bands = [
        {"content_sha256": signed.sha256, "band": band, "hash": band_hash}
        for band, band_hash in neardup.bands(signed.minhash)
    ]
    insert_ignoring_conflicts(session, LshBandRow, bands, ["content_sha256", "band"])
    return row, True


def _lock_article(session: Session, fetch: Row[Any]) -> tuple[Row[Any], bool]:
    """The article this fetch is a capture of, row-locked; True when this call created it."""
    key = article_key(fetch.url)
    values = {
        "url": fetch.url,
        "url_key": key,
        "surt_key": surt_key(fetch.url),
        "outlet_id": fetch.outlet_id,
        "first_seen": fetch.fetched_at,
        "last_seen": fetch.fetched_at,
        "duplicate_of_id": None,
    }
    created = inserted_row(session, ArticleRow, values, ["url_key"])
    if created is not None:
        return created, True
    return session.connection().execute(_LOCKED_ARTICLE, {"key": key}).one(), False


def _original_of(
    session: Session, content: Row[Any], article_id: int, new_text: bool
) -> int | None:
    """The article a new URL copies: same text first, else the nearest similar text.

    A text this filing added to the catalog has no version anywhere yet, so
    only similar texts can have an article.
    """
    connection = session.connection()
    for sha in [*([] if new_text else [content.sha256]), *_near_texts(session, content)]:
        holder = connection.execute(_HOLDER, {"sha": sha, "article_id": article_id}).first()
        if holder is not None:
            return holder.duplicate_of_id or holder.id
    return None


def near_candidates_query(minhash_bands: list[tuple[int, int]], exclude: str) -> Any:
    """Texts sharing at least one LSH band: equality lookups on the band index only."""
    return _near_candidates().params(_near_parameters(minhash_bands, exclude))


@cache
def _near_candidates() -> Any:
    """The lookup with its values as parameters: built, and its cache key made, once."""
    matches = [
        and_(LshBandRow.band == band, LshBandRow.hash == bindparam(f"band{band}"))
        for band in range(neardup.BANDS)
    ]
    return (
        select(LshBandRow.content_sha256)
        .where(or_(*matches), LshBandRow.content_sha256 != bindparam("exclude"))
        .distinct()
        .limit(MAX_CANDIDATES)
    )


def _near_parameters(minhash_bands: list[tuple[int, int]], exclude: str) -> dict[str, Any]:
    return {f"band{band}": value for band, value in minhash_bands} | {"exclude": exclude}


def _near_texts(session: Session, content: Row[Any]) -> list[str]:
    """Archived texts at or above the similarity threshold, most similar first."""
    minhash = neardup.unpack(content.minhash)
    parameters = _near_parameters(neardup.bands(minhash), content.sha256)
    connection = session.connection()
    candidates = list(connection.scalars(_near_candidates(), parameters))
    if not candidates:
        return []
    rows = connection.execute(_SIGNATURES, {"shas": candidates})
    scored = [(neardup.similarity(minhash, neardup.unpack(blob)), sha) for sha, blob in rows]
    return [sha for score, sha in sorted(scored, reverse=True) if score >= neardup.THRESHOLD]


@dataclass(frozen=True, slots=True)
class _NewVersion:
    """What a new version of an article is made of, besides the fetch that brought it."""

    outlet: str
    article_id: int
    number: int
    content: Row[Any]
    extraction: Extraction


def _add_version(session: Session, store: ObjectStore, fetch: Row[Any], new: _NewVersion) -> int:
    """The new version's id; its metadata object is written before its row."""
    outlet, content, extraction = new.outlet, new.content, new.extraction
    meta = layout.snapshot_meta(
        url=fetch.url,
        outlet=outlet,
        version=new.number,
        fetch=fetch_meta(fetch),
        discovery=fetch.discovery,
        raw={
            "key": fetch.raw_key,
            "sha256": fetch.raw_sha256,
            "size": fetch.raw_size,
            "object_sha256": fetch.raw_object_sha256,
        },
        text={"key": content.key, "sha256": content.sha256, "size": content.size},
        extraction=extraction,
    )
    meta_sha = sha256_hex(meta)
    key = layout.meta_key(outlet, fetch.fetched_at, meta_sha)
    store.put(key, meta)
    values = {
        "article_id": new.article_id,
        "number": new.number,
        "fetched_at": fetch.fetched_at,
        "last_seen": fetch.fetched_at,
        "text_sha256": content.sha256,
        "title": extraction.title,
        "published": extraction.published,
        "meta_key": key,
        "meta_sha256": meta_sha,
        "fetch_id": fetch.id,
    }
    version_id: int = session.connection().execute(_INSERT_VERSION, values).scalar_one()
    return version_id


def fetch_meta(fetch: FetchRow | Row[Any]) -> dict[str, Any]:
    """The response as the catalog recorded it, for the metadata object."""
    return {
        "requested_url": fetch.requested_url,
        "final_url": fetch.final_url,
        "status": fetch.status,
        "attempts": fetch.attempts,
        "fetched_at": fetch.fetched_at.isoformat(),
        "request_headers": fetch.request_headers,
        "response_headers": fetch.response_headers,
        "etag": fetch.etag,
        "last_modified": fetch.last_modified,
    }


# The statements filing runs for every page, built once (see file_fetch).
_FETCHES, _ARTICLES, _CONTENTS, _VERSIONS = (
    cast(Table, model.__table__) for model in (FetchRow, ArticleRow, ContentRow, VersionRow)
)
_LOCKED_CONTENT = select(_CONTENTS).where(_CONTENTS.c.sha256 == bindparam("sha")).with_for_update()
_LOCKED_ARTICLE = select(_ARTICLES).where(_ARTICLES.c.url_key == bindparam("key")).with_for_update()
_SIGNATURES = select(_CONTENTS.c.sha256, _CONTENTS.c.minhash).where(
    _CONTENTS.c.sha256.in_(bindparam("shas", expanding=True))
)
_HOLDER = (
    select(_ARTICLES.c.id, _ARTICLES.c.duplicate_of_id)
    .join(_VERSIONS, _VERSIONS.c.article_id == _ARTICLES.c.id)
    .where(_VERSIONS.c.text_sha256 == bindparam("sha"), _ARTICLES.c.id != bindparam("article_id"))
    .order_by(_ARTICLES.c.first_seen, _ARTICLES.c.id)
    .limit(1)
)
_INSERT_VERSION = insert(_VERSIONS).returning(_VERSIONS.c.id)
_UPDATE_ARTICLE = update_by_id(_ARTICLES, "first_seen", "last_seen", "duplicate_of_id")
_FILE_FETCH = update_by_id(
    _FETCHES,
    "extraction_state",
    "archive_outcome",
    "article_id",
    "version_id",
    extraction_error=None,
)
