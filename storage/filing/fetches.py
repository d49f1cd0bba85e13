"""Fetch rows: every fetch attempt recorded once, whatever came of it.

A fetch is identified by its URL and the moment it was made, so recording
it again (a redo, a batch written once more after a failure) finds the row
already there instead of adding a second one.  A fetch row names its raw
object only once that object is in the store.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, bindparam, select, update
from sqlalchemy.orm import Session

from newsarchive.errors import NotFoundError
from newsarchive.identity import article_key, article_key_or_none
from newsarchive.records import ArchiveOutcome, Capture, Fetch, FetchOutcome
from newsarchive.storage.catalog.models import ArticleRow, FetchRow, OutletRow, VersionRow
from newsarchive.storage.catalog.statements import insert_ignoring_conflicts, inserted_row
from newsarchive.storage.objects import ObjectStore, layout
from newsarchive.storage.objects.rawpages import StoredRaw
from newsarchive.storage.reading import snapshots
from newsarchive.storage.results import ExtractionState, FetchRecord


def outlet_id(session: Session, name: str) -> int:
    """The outlet's row id, the row added on first use."""
    layout.checked_outlet(name)
    values = {"name": name, "info": {}, "created_at": datetime.now(UTC)}
    insert_ignoring_conflicts(session, OutletRow, values, ["name"])
    return session.scalars(select(OutletRow.id).where(OutletRow.name == name)).one()


def outlet_ids(session: Session, names: set[str]) -> dict[str, int]:
    return {name: outlet_id(session, name) for name in names}


def recorded(session: Session, fetch: Fetch, raw: StoredRaw | None, outlet: int) -> Row[Any]:
    """The fetch's row, inserted unless this fetch was recorded already.

    A 304 also names the article and version it saw again (see
    :func:`_seen_again`); a fetched page whose raw object is named waits for
    its extraction to be filed (``pending``).
    """
    row = inserted_row(session, FetchRow, fetch_values(fetch, raw, outlet), ["url", "fetched_at"])
    if row is None:
        return _locked(session, fetch.url, fetch.fetched_at)
    if fetch.outcome == FetchOutcome.NOT_MODIFIED and _seen_again(session, row):
        return _locked(session, fetch.url, fetch.fetched_at)
    return row


def fetch_values(fetch: Fetch, raw: StoredRaw | None, outlet: int) -> dict[str, Any]:
    """The columns of a fetch's new row."""
    capture = fetch.capture
    values: dict[str, Any] = {
        "outlet_id": outlet,
        "url": fetch.url,
        "url_key": article_key_or_none(fetch.url),
        "fetched_at": fetch.fetched_at,
        "status": fetch.status if fetch.status is not None else _status(fetch),
        "outcome": fetch.outcome.value,
        "attempts": fetch.attempts,
        "error": fetch.error,
        "discovery": layout.discovery_json(
            fetch.discovery or (capture.discovery if capture is not None else None)
        ),
        "request_headers": [],
        "response_headers": [],
        "extraction_state": ExtractionState.NONE,
    }
    if capture is None:
        return values
    values |= {
        "requested_url": capture.requested_url,
        "final_url": capture.final_url,
        "request_headers": layout.headers_json(
            layout.public_request_headers(capture.request_headers)
        ),
        "response_headers": layout.headers_json(capture.response_headers),
        "etag": capture.header("ETag"),
        "last_modified": capture.header("Last-Modified"),
    }
    if raw is not None:
        values |= raw.columns()
        if fetch.outcome == FetchOutcome.FETCHED:
            values["extraction_state"] = ExtractionState.PENDING
    return values


def _status(fetch: Fetch) -> int | None:
    return fetch.capture.status if fetch.capture is not None else None


def mark_failed(session: Session, fetch_id: int, reason: str) -> None:
    """Take a fetch off the redo list with the reason its page holds no article.

    A fetch whose extraction was filed already keeps its filing.
    """
    session.connection().execute(_MARK_FAILED, {"fetch_id": fetch_id, "reason": reason})


def record_of(session: Session, row: FetchRow | Row[Any]) -> FetchRecord:
    """The catalog-free record of a fetch row."""
    outlet = session.scalars(select(OutletRow.name).where(OutletRow.id == row.outlet_id)).one()
    number = None
    if row.version_id is not None:
        number = session.scalars(
            select(VersionRow.number).where(VersionRow.id == row.version_id)
        ).one()
    return FetchRecord(
        id=row.id,
        outlet=outlet,
        url=row.url,
        outcome=FetchOutcome(row.outcome),
        fetched_at=row.fetched_at,
        status=row.status,
        raw_key=row.raw_key,
        raw_sha256=row.raw_sha256,
        extraction_state=ExtractionState(row.extraction_state),
        archive_outcome=ArchiveOutcome(row.archive_outcome) if row.archive_outcome else None,
        version=number,
        attempts=row.attempts,
    )


def locked(session: Session, fetch_id: int) -> Row[Any] | None:
    """The fetch row ``fetch_id``, locked for filing; None when there is none."""
    return session.connection().execute(_LOCKED_BY_ID, {"id": fetch_id}).first()


def earlier_raw(connection: Connection, url: str, body_sha256: str) -> StoredRaw | None:
    """The object an earlier fetch of ``url`` stored for the same bytes, if any.

    Asked once a page, on a plain connection: a prepared statement, no ORM.
    """
    earlier = connection.execute(_EARLIER_RAW, {"url": url, "sha": body_sha256}).first()
    if earlier is None:
        return None
    key, size, object_sha = earlier
    if key is None or size is None or object_sha is None:  # named whole, or not at all
        return None
    return StoredRaw(key=key, sha256=body_sha256, size=size, object_sha256=object_sha)


def unextracted(session: Session, outlet: str | None, *, failed: bool) -> list[FetchRecord]:
    """Fetches whose page is stored but not filed (with ``failed``, or failed), oldest first."""
    states = [ExtractionState.PENDING, *([ExtractionState.FAILED] if failed else [])]
    query = (
        select(FetchRow)
        .join(OutletRow, OutletRow.id == FetchRow.outlet_id)
        .where(FetchRow.extraction_state.in_(states), FetchRow.raw_key.is_not(None))
        .order_by(FetchRow.fetched_at, FetchRow.id)
    )
    if outlet is not None:
        query = query.where(OutletRow.name == outlet)
    return [record_of(session, row) for row in session.scalars(query)]


def stored_capture(session: Session, store: ObjectStore, record: FetchRecord) -> Capture:
    """The response of a recorded fetch rebuilt from its raw object, checked by SHA-256."""
    row = session.get(FetchRow, record.id)
    if row is None or row.raw_key is None:
        raise NotFoundError(f"no stored page for fetch #{record.id} ({record.url})")
    outlet = session.scalars(select(OutletRow.name).where(OutletRow.id == row.outlet_id)).one()
    return Capture(
        outlet=outlet,
        url=row.url,
        requested_url=row.requested_url or row.url,
        final_url=row.final_url or row.url,
        status=row.status or 200,
        fetched_at=row.fetched_at,
        request_headers=layout.headers_from_json(row.request_headers),
        response_headers=layout.headers_from_json(row.response_headers),
        body=snapshots.raw_body(store, row.raw_key, row.raw_object_sha256, row.raw_sha256),
        discovery=layout.discovery_from_json(row.discovery),
    )


def _locked(session: Session, url: str, fetched_at: datetime) -> Row[Any]:
    """A recorded fetch's row, locked as filing locks the fetches it files."""
    query = select(_FETCHES).where(_FETCHES.c.url == url, _FETCHES.c.fetched_at == fetched_at)
    return session.connection().execute(query.with_for_update()).one()


def _seen_again(session: Session, row: Row[Any]) -> bool:
    """A 304: the text current at that time is still served, so last_seen moves.

    True when the fetch row was updated to name its article and version.
    """
    article = session.scalars(
        select(ArticleRow).where(ArticleRow.url_key == article_key(row.url)).with_for_update()
    ).first()
    if article is None:
        return False
    latest = snapshots.version_at(session, article.id, row.fetched_at)
    article.last_seen = max(article.last_seen, row.fetched_at)
    seen: dict[str, Any] = {
        "article_id": article.id,
        "archive_outcome": ArchiveOutcome.UNCHANGED.value,
    }
    if latest is not None:
        latest.last_seen = max(latest.last_seen, row.fetched_at)
        seen["version_id"] = latest.id
    session.execute(update(FetchRow).where(FetchRow.id == row.id).values(**seen))
    return True


def file_gone(session: Session, row: Row[Any]) -> None:
    """A gone page: a capture of the article its URL names, when the archive holds one.

    It names the version current before it (the last text the page had), so
    a reader can say what went; neither that version's nor the article's
    ``last_seen`` moves, as the text was not seen again.  Without an
    article it stays a failed fetch.
    """
    article = session.scalars(
        select(ArticleRow.id).where(ArticleRow.url_key == article_key(row.url))
    ).first()
    gone: dict[str, Any] = {"archive_outcome": ArchiveOutcome.FAILED.value}
    version = None if article is None else snapshots.version_at(session, article, row.fetched_at)
    if version is not None:
        gone |= {"article_id": article, "version_id": version.id}
    session.execute(update(FetchRow).where(FetchRow.id == row.id).values(**gone))


_FETCHES = cast(Table, FetchRow.__table__)
_LOCKED_BY_ID = select(_FETCHES).where(_FETCHES.c.id == bindparam("id")).with_for_update()
_MARK_FAILED = (
    update(_FETCHES)
    .where(
        _FETCHES.c.id == bindparam("fetch_id"),
        _FETCHES.c.extraction_state != ExtractionState.FILED,
    )
    .values(
        extraction_state=ExtractionState.FAILED,
        extraction_error=bindparam("reason"),
        archive_outcome=ArchiveOutcome.FAILED.value,
    )
)
_EARLIER_RAW = (
    select(_FETCHES.c.raw_key, _FETCHES.c.raw_size, _FETCHES.c.raw_object_sha256)
    .where(_FETCHES.c.url == bindparam("url"), _FETCHES.c.raw_sha256 == bindparam("sha"))
    .limit(1)
)
