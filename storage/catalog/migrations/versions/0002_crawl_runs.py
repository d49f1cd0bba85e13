"""Crawl runs: one summary row per outlet and run.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Per-source expectations ("no new article in N runs") need the history of
runs, and operators want it beside the archive rather than only in Prefect.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COUNTS = ("discovered", "fetched", "new", "updated", "unchanged", "duplicate", "failed")


def upgrade() -> None:
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.ForeignKeyConstraint(
            ["outlet_id"], ["outlets.id"], name=op.f("fk_crawl_runs_outlet_id_outlets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_runs")),
    )
    op.create_index(
        op.f("ix_crawl_runs_outlet_id_finished_at"),
        "crawl_runs",
        ["outlet_id", "finished_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_crawl_runs_outlet_id_finished_at"), table_name="crawl_runs")
    op.drop_table("crawl_runs")
