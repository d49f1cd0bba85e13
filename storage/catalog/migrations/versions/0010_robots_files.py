"""Hosts' robots.txt files, kept between polls.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

Each poll is a crawl of its own, and a crawl read every host's robots.txt
again: a poll of an unchanged feed cost two requests where one would do.
RFC 9309 lets a crawler use a copy for up to a day, so the copies live
here, one per origin (``location``: scheme and host, a port if any), with
the status and body as served and when they were downloaded.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "robots_files",
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("location", name=op.f("pk_robots_files")),
    )


def downgrade() -> None:
    op.drop_table("robots_files")
