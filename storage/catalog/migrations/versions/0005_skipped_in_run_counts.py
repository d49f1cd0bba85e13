"""Crawl runs count what was skipped on purpose apart from what failed.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25

Robots.txt refusals, non-HTML links and pages over the size limit used to be
counted as failures, which made a healthy run look broken.  Runs recorded
before this revision counted them under ``failed``; they keep that count and
``skipped`` is 0 for them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("skipped", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("skipped")
