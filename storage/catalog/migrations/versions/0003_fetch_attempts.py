"""Fetch attempts: how many requests each recorded outcome took.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

A 503 retried twice before a 200 is three attempts behind one fetch row;
operators reading the catalog should see that a site was struggling even
when the page came in the end.  Rows from before this revision count one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fetches") as batch:
        batch.add_column(
            sa.Column("attempts", sa.SmallInteger(), server_default="1", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("fetches") as batch:
        batch.drop_column("attempts")
