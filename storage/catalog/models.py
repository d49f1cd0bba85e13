"""The catalog tables as SQLAlchemy typed models.

The schema itself is created and evolved by the Alembic migrations in
``migrations/versions``; these models must describe the same tables (a test
compares them).  The full-text indexes are not modelled here: it differs by
dialect (an FTS5 virtual table or a tsvector column) and lives behind
:mod:`newsarchive.storage.reading.fulltext`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from newsarchive.records import FetchOutcome, in_utc


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend.

    SQLite has no time zone type and hands back naive values; this keeps the
    catalog's promise that every timestamp read from it is aware UTC.  A
    naive value written (a page date without zone) is taken to be UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        instant = in_utc(value)
        if instant is None:  # filing stops here, never halfway: the capture is failed, not lost
            raise ValueError(f"{value.isoformat()} has no instant in UTC")
        return instant.replace(tzinfo=None) if dialect.name == "sqlite" else instant

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SURT_TEXT = Text().with_variant(Text(collation="C"), "postgresql")
"""SURT keys sort bytewise, as CDX ranges need; a locale's collation skips their punctuation."""

FETCHED_ONLY = text(f"outcome = '{FetchOutcome.FETCHED.value}'")
"""A partial index's condition: the fetches that got a page (not the 304s, nor failures)."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class OutletRow(Base):
    __tablename__ = "outlets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    info: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class ArticleRow(Base):
    """An article is its identity key; its texts over time are its versions.

    ``url`` is the canonical URL it was first archived under (what is shown and
    exported); ``url_key`` is :func:`newsarchive.identity.article_key` of it,
    the identity every later fetch and every lookup goes by.  ``surt_key`` is
    :func:`newsarchive.identity.surt_key` of it, the key CDX queries read as
    ranges (an exact URL, a path prefix, a host, a domain).
    """

    __tablename__ = "articles"
    __table_args__ = (Index(None, "outlet_id", "first_seen"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    url_key: Mapped[str] = mapped_column(Text, unique=True)
    surt_key: Mapped[str | None] = mapped_column(SURT_TEXT, index=True)  # filing always sets it
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id"))
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), index=True)
    last_revisit: Mapped[datetime | None]  # the last poll that asked for it again, whatever came


class ContentRow(Base):
    """A cleaned text, stored once however many articles carry it."""

    __tablename__ = "contents"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    minhash: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class LshBandRow(Base):
    """One LSH band of a text's MinHash: looked up by equality on (band, hash)."""

    __tablename__ = "lsh_bands"
    __table_args__ = (Index("ix_lsh_bands_band_hash", "band", "hash"),)

    content_sha256: Mapped[str] = mapped_column(ForeignKey("contents.sha256"), primary_key=True)
    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    hash: Mapped[int] = mapped_column(BigInteger)


class VersionRow(Base):
    """One distinct text of an article, from the fetch that first brought it."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    number: Mapped[int] = mapped_column(Integer)
    fetched_at: Mapped[datetime]
    last_seen: Mapped[datetime]
    text_sha256: Mapped[str] = mapped_column(ForeignKey("contents.sha256"), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    published: Mapped[datetime | None]
    meta_key: Mapped[str] = mapped_column(Text)
    meta_sha256: Mapped[str] = mapped_column(String(64))
    fetch_id: Mapped[int] = mapped_column(ForeignKey("fetches.id", use_alter=True), index=True)


class FetchRow(Base):
    """Every fetch attempt, whatever came of it."""

    __tablename__ = "fetches"
    __table_args__ = (
        UniqueConstraint("url", "fetched_at"),
        Index(None, "outlet_id", "extraction_state"),
        Index(None, "outlet_id", "url", "fetched_at"),
        Index(None, "url", "raw_sha256"),
        Index(None, "article_id", "fetched_at"),  # an article's captures, in time order
        Index(  # not over the 304s, which are most of the rows
            None, "url_key", "fetched_at", sqlite_where=FETCHED_ONLY, postgresql_where=FETCHED_ONLY
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id"))
    url: Mapped[str] = mapped_column(Text)
    url_key: Mapped[str | None] = mapped_column(Text)  # article_key(url): what a crawl asks by
    requested_url: Mapped[str | None] = mapped_column(Text)
    final_url: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime]
    status: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default="1")
    error: Mapped[str | None] = mapped_column(Text)
    request_headers: Mapped[list[Any]] = mapped_column(default=list)
    response_headers: Mapped[list[Any]] = mapped_column(default=list)
    discovery: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    raw_key: Mapped[str | None] = mapped_column(Text)
    raw_sha256: Mapped[str | None] = mapped_column(String(64))
    raw_size: Mapped[int | None] = mapped_column(Integer)
    raw_object_sha256: Mapped[str | None] = mapped_column(String(64))
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    extraction_state: Mapped[str] = mapped_column(String(10))
    extraction_error: Mapped[str | None] = mapped_column(Text)
    archive_outcome: Mapped[str | None] = mapped_column(String(10))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))


class CrawlRunRow(Base):
    """One outlet's summary of one crawl run: what operators read, kept as the fleet's history."""

    __tablename__ = "crawl_runs"
    __table_args__ = (Index(None, "outlet_id", "finished_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id"))
    finished_at: Mapped[datetime]
    discovered: Mapped[int] = mapped_column(Integer)
    fetched: Mapped[int] = mapped_column(Integer)
    new: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    duplicate: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[int] = mapped_column(Integer, server_default="0")
    failed: Mapped[int] = mapped_column(Integer)


class SiteLeaseRow(Base):
    """A site a crawl is working on, held until ``expires_at`` unless its holder renews it."""

    __tablename__ = "site_leases"

    name: Mapped[str] = mapped_column(String(300), primary_key=True)
    holder: Mapped[str] = mapped_column(Text)  # host/pid/token of the process that holds it
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class RequisiteRow(Base):
    """One fetch of a stylesheet or image an article page referenced (opt-in per outlet).

    The bytes are one object per SHA-256 (``key``), however many pages and
    fetches share them; ``page_url`` is the page that referenced it first in its run.
    """

    __tablename__ = "requisites"
    __table_args__ = (
        UniqueConstraint("url", "fetched_at"),
        Index(None, "outlet_id", "fetched_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id"))
    page_url: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime]
    status: Mapped[int] = mapped_column(Integer)
    request_headers: Mapped[list[Any]] = mapped_column(default=list)
    response_headers: Mapped[list[Any]] = mapped_column(default=list)
    body_sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(Text)
    object_sha256: Mapped[str] = mapped_column(String(64))


class OutletStateRow(Base):
    """An outlet's schedule and health: what the fleet polls by (see ``records.OutletState``).

    ``claimed_by`` and ``claimed_until`` say which fleet run polls it now; a
    claim expires, so a run killed mid-poll never keeps its outlets.
    """

    __tablename__ = "outlet_states"
    __table_args__ = (Index(None, "collection", "next_due"),)

    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id"), primary_key=True)
    collection: Mapped[str] = mapped_column(String(100))
    in_file: Mapped[bool] = mapped_column(server_default=text("true"))  # still in the outlets file
    paused: Mapped[bool] = mapped_column(server_default=text("false"))  # enabled = false there
    status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[float] = mapped_column(Float, server_default="0")
    interval_seconds: Mapped[int] = mapped_column(Integer, server_default="0")
    next_due: Mapped[datetime | None]
    rate_per_hour: Mapped[float] = mapped_column(Float, server_default="0")
    first_poll: Mapped[datetime | None]
    last_poll: Mapped[datetime | None]
    last_success: Mapped[datetime | None]
    last_new_article: Mapped[datetime | None]
    empty_polls: Mapped[int] = mapped_column(Integer, server_default="0")
    alerts: Mapped[list[Any]] = mapped_column(default=list)
    claimed_by: Mapped[str | None] = mapped_column(Text)
    claimed_until: Mapped[datetime | None]


class DocumentRow(Base):
    """A discovery document as its last poll left it: the validators the next poll sends."""

    __tablename__ = "discovery_documents"
    __table_args__ = (UniqueConstraint("outlet_id", "url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id"))
    url: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    checked_at: Mapped[datetime]
    changed_at: Mapped[datetime | None]
    status: Mapped[int | None] = mapped_column(Integer)
    listed: Mapped[int] = mapped_column(Integer, server_default="0")


class RobotsRow(Base):
    """A host's robots.txt as last downloaded: what the polls of the next day read instead."""

    __tablename__ = "robots_files"

    location: Mapped[str] = mapped_column(Text, primary_key=True)  # scheme://host[:port]
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)  # as served, whatever the status
    fetched_at: Mapped[datetime]
