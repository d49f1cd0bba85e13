"""LSH band rows keyed by what finds them: (band, hash, content_sha256).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

The table was keyed by (content_sha256, band), with a second index on
(band, hash) for the lookup.  Nothing reads band rows by their text, and the
64-character hex key made that primary key the larger of two B-trees that
every filed text inserts 16 rows into at random places: on PostgreSQL, at
16 million rows, it doubled the cost of those inserts (``bench/README.md``).
Keyed by (band, hash, content_sha256) the one B-tree serves the lookup and
keeps each row unique as before (a text's band hash is a function of its
text).  On SQLite the table becomes that B-tree itself (``WITHOUT ROWID``).
The upgrade copies every band row once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_FOREIGN_KEY = "fk_lsh_bands_content_sha256_contents"
_COLUMNS = "content_sha256, band, hash"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(("band", "hash", "content_sha256"), with_rowid=False)
        return
    op.drop_constraint("pk_lsh_bands", "lsh_bands", type_="primary")
    op.create_primary_key("pk_lsh_bands", "lsh_bands", ["band", "hash", "content_sha256"])
    op.drop_index("ix_lsh_bands_band_hash", table_name="lsh_bands")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(("content_sha256", "band"), with_rowid=True)
        op.create_index("ix_lsh_bands_band_hash", "lsh_bands", ["band", "hash"])
        return
    op.create_index("ix_lsh_bands_band_hash", "lsh_bands", ["band", "hash"])
    op.drop_constraint("pk_lsh_bands", "lsh_bands", type_="primary")
    op.create_primary_key("pk_lsh_bands", "lsh_bands", ["content_sha256", "band"])


def _rebuild(key: tuple[str, ...], *, with_rowid: bool) -> None:
    """SQLite cannot change a primary key in place: a new table, the rows copied, renamed."""
    op.create_table(
        "lsh_bands_rebuilt",
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("hash", sa.BigInteger(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["content_sha256"], ["contents.sha256"], name=_FOREIGN_KEY),
        sa.PrimaryKeyConstraint(*key, name="pk_lsh_bands"),
        sqlite_with_rowid=with_rowid,
    )
    # In the new key's order, so that the copy appends to its B-tree.
    op.execute(
        f"INSERT INTO lsh_bands_rebuilt ({_COLUMNS}) SELECT {_COLUMNS} FROM lsh_bands"  # noqa: S608
        f" ORDER BY {', '.join(key)}"
    )
    op.drop_table("lsh_bands")
    op.rename_table("lsh_bands_rebuilt", "lsh_bands")
