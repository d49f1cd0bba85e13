"""Site leases: which crawl is working on a site, until when.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

Two runs must never crawl one site at once, and a run that was killed must
never keep the next one waiting: a lease names its holder and expires unless
renewed, in the catalog every worker already shares.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_leases",
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("holder", sa.Text(), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_site_leases")),
    )


def downgrade() -> None:
    op.drop_table("site_leases")
