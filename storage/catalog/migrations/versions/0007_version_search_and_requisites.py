"""Every version searchable, and the page requisites (stylesheets, images) of captures.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25

``version_search`` indexes the text of every version, not only the latest
one, for ``search --all-versions`` (an FTS5 table keyed by version id on
SQLite, a tsvector column on PostgreSQL).  Versions filed before this
revision are indexed from their text objects on the first search that needs
them (the migration cannot read the object store).

``requisites`` records each fetch of a stylesheet or image an article page
referenced; the bytes are stored once per SHA-256, however many pages and
fetches share them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "requisites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("page_url", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("request_headers", sa.JSON(), nullable=False),
        sa.Column("response_headers", sa.JSON(), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("object_sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["outlet_id"], ["outlets.id"], name=op.f("fk_requisites_outlet_id_outlets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requisites")),
        sa.UniqueConstraint("url", "fetched_at", name=op.f("uq_requisites_url_fetched_at")),
    )
    op.create_index(
        op.f("ix_requisites_outlet_id_fetched_at"), "requisites", ["outlet_id", "fetched_at"]
    )
    op.create_index(op.f("ix_requisites_body_sha256"), "requisites", ["body_sha256"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE version_search USING fts5("
            "title, body, tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        return
    op.execute(
        """
        CREATE TABLE version_search (
            version_id INTEGER PRIMARY KEY REFERENCES versions (id),
            title TEXT,
            body TEXT NOT NULL,
            document TSVECTOR GENERATED ALWAYS AS (
                setweight(to_tsvector('english', coalesce(title, '')), 'A')
                || setweight(to_tsvector('english', body), 'B')
            ) STORED
        )
        """
    )
    op.execute("CREATE INDEX ix_version_search_document ON version_search USING GIN (document)")


def downgrade() -> None:
    op.execute("DROP TABLE version_search")
    op.drop_index(op.f("ix_requisites_body_sha256"), table_name="requisites")
    op.drop_index(op.f("ix_requisites_outlet_id_fetched_at"), table_name="requisites")
    op.drop_table("requisites")
