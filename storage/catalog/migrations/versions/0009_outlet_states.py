"""Outlets' schedules and health, their discovery documents, and articles' last revisits.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

A fleet polls whatever is due: each outlet's next due time, health and claim
live in ``outlet_states``; each discovery document's validators and digest in
``discovery_documents``, so a poll that finds nothing is one conditional
request per document; ``articles.last_revisit`` keeps a known article's
revisits on their decaying schedule whatever the revisit came to.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("last_revisit", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "outlet_states",
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("collection", sa.String(length=100), nullable=False),
        sa.Column("in_file", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("paused", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("failures", sa.Float(), server_default="0", nullable=False),
        sa.Column("interval_seconds", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rate_per_hour", sa.Float(), server_default="0", nullable=False),
        sa.Column("first_poll", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_poll", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_new_article", sa.DateTime(timezone=True), nullable=True),
        sa.Column("empty_polls", sa.Integer(), server_default="0", nullable=False),
        sa.Column("alerts", sa.JSON(), nullable=False),
        sa.Column("claimed_by", sa.Text(), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["outlet_id"], ["outlets.id"], name=op.f("fk_outlet_states_outlet_id_outlets")
        ),
        sa.PrimaryKeyConstraint("outlet_id", name=op.f("pk_outlet_states")),
    )
    op.create_index(
        op.f("ix_outlet_states_collection_next_due"),
        "outlet_states",
        ["collection", "next_due"],
    )
    op.create_table(
        "discovery_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("listed", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["outlet_id"], ["outlets.id"], name=op.f("fk_discovery_documents_outlet_id_outlets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discovery_documents")),
        sa.UniqueConstraint("outlet_id", "url", name=op.f("uq_discovery_documents_outlet_id_url")),
    )


def downgrade() -> None:
    op.drop_table("discovery_documents")
    op.drop_index(op.f("ix_outlet_states_collection_next_due"), table_name="outlet_states")
    op.drop_table("outlet_states")
    op.drop_column("articles", "last_revisit")
