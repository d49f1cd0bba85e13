"""Catalog tables, LSH bands and the dialect's full-text index.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

``versions`` and ``fetches`` point at each other.  SQLite accepts a foreign
key to a table created later but cannot add one afterwards; PostgreSQL is
the other way round; so the versions -> fetches key is created inline on
SQLite and added once both tables exist on PostgreSQL.

Full text: an FTS5 virtual table on SQLite (porter stemming, keyed by the
article id as rowid), a table with a generated, GIN-indexed tsvector on
PostgreSQL.  ``newsarchive.storage.fulltext`` reads and writes both.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

VERSIONS_FETCH_FK = "fk_versions_fetch_id_fetches"


def _versions_fetch_fk(sqlite: bool) -> list[sa.ForeignKeyConstraint]:
    if not sqlite:
        return []
    return [sa.ForeignKeyConstraint(["fetch_id"], ["fetches.id"], name=VERSIONS_FETCH_FK)]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "contents",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("minhash", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_contents")),
    )
    op.create_table(
        "outlets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("info", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outlets")),
        sa.UniqueConstraint("name", name=op.f("uq_outlets_name")),
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"], ["articles.id"], name=op.f("fk_articles_duplicate_of_id_articles")
        ),
        sa.ForeignKeyConstraint(
            ["outlet_id"], ["outlets.id"], name=op.f("fk_articles_outlet_id_outlets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("url", name=op.f("uq_articles_url")),
    )
    op.create_index(
        op.f("ix_articles_duplicate_of_id"), "articles", ["duplicate_of_id"], unique=False
    )
    op.create_index(
        op.f("ix_articles_outlet_id_first_seen"),
        "articles",
        ["outlet_id", "first_seen"],
        unique=False,
    )
    op.create_table(
        "lsh_bands",
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("hash", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["content_sha256"],
            ["contents.sha256"],
            name=op.f("fk_lsh_bands_content_sha256_contents"),
        ),
        sa.PrimaryKeyConstraint("content_sha256", "band", name=op.f("pk_lsh_bands")),
    )
    op.create_index("ix_lsh_bands_band_hash", "lsh_bands", ["band", "hash"], unique=False)
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("published", sa.DateTime(timezone=True), nullable=True),
        sa.Column("meta_key", sa.Text(), nullable=False),
        sa.Column("meta_sha256", sa.String(length=64), nullable=False),
        sa.Column("fetch_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_versions_article_id_articles")
        ),
        *_versions_fetch_fk(sqlite),
        sa.ForeignKeyConstraint(
            ["text_sha256"], ["contents.sha256"], name=op.f("fk_versions_text_sha256_contents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_versions")),
        sa.UniqueConstraint("article_id", "number", name=op.f("uq_versions_article_id_number")),
    )
    op.create_index(op.f("ix_versions_fetch_id"), "versions", ["fetch_id"], unique=False)
    op.create_index(op.f("ix_versions_text_sha256"), "versions", ["text_sha256"], unique=False)
    op.create_table(
        "fetches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("requested_url", sa.Text(), nullable=True),
        sa.Column("final_url", sa.Text(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("request_headers", sa.JSON(), nullable=False),
        sa.Column("response_headers", sa.JSON(), nullable=False),
        sa.Column("discovery", sa.JSON(), nullable=True),
        sa.Column("raw_key", sa.Text(), nullable=True),
        sa.Column("raw_sha256", sa.String(length=64), nullable=True),
        sa.Column("raw_size", sa.Integer(), nullable=True),
        sa.Column("raw_object_sha256", sa.String(length=64), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("extraction_state", sa.String(length=10), nullable=False),
        sa.Column("extraction_error", sa.Text(), nullable=True),
        sa.Column("archive_outcome", sa.String(length=10), nullable=True),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_fetches_article_id_articles")
        ),
        sa.ForeignKeyConstraint(
            ["outlet_id"], ["outlets.id"], name=op.f("fk_fetches_outlet_id_outlets")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["versions.id"], name=op.f("fk_fetches_version_id_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fetches")),
        sa.UniqueConstraint("url", "fetched_at", name=op.f("uq_fetches_url_fetched_at")),
    )
    op.create_index(
        op.f("ix_fetches_outlet_id_extraction_state"),
        "fetches",
        ["outlet_id", "extraction_state"],
        unique=False,
    )
    op.create_index(
        op.f("ix_fetches_outlet_id_url_fetched_at"),
        "fetches",
        ["outlet_id", "url", "fetched_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_fetches_url_raw_sha256"), "fetches", ["url", "raw_sha256"], unique=False
    )
    if not sqlite:
        op.create_foreign_key(VERSIONS_FETCH_FK, "versions", "fetches", ["fetch_id"], ["id"])
    _create_fulltext(sqlite)


def _create_fulltext(sqlite: bool) -> None:
    if sqlite:
        op.execute(
            "CREATE VIRTUAL TABLE article_search USING fts5("
            "title, body, tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        return
    op.execute(
        """
        CREATE TABLE article_search (
            article_id INTEGER PRIMARY KEY REFERENCES articles (id),
            title TEXT,
            body TEXT NOT NULL,
            document TSVECTOR GENERATED ALWAYS AS (
                setweight(to_tsvector('english', coalesce(title, '')), 'A')
                || setweight(to_tsvector('english', body), 'B')
            ) STORED
        )
        """
    )
    op.execute("CREATE INDEX ix_article_search_document ON article_search USING GIN (document)")


def downgrade() -> None:
    op.execute("DROP TABLE article_search")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(VERSIONS_FETCH_FK, "versions", type_="foreignkey")
    for table in ("fetches", "versions", "lsh_bands", "articles", "outlets", "contents"):
        op.drop_table(table)
