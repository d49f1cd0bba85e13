"""Fetches carry their article's identity key, so a crawl can ask for a few articles' validators.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

A crawl sends a conditional GET for an article fetched before.  It used to
load the validators of every successful fetch of the outlet when it began:
a read, and a dictionary in memory, that grew with the archive however few
articles the run would fetch.  ``url_key``
(:func:`newsarchive.identity.article_key` of the fetch's URL, as
``articles.url_key``) lets it ask for the articles a feed or a sitemap
lists, through the index made here (of the successful fetches only: the
304s of every recrawl are most of the rows).  The rows already in the
catalog get their keys from their URLs; a URL that has none (it could not
be fetched today) keeps NULL, which no lookup matches.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from newsarchive.identity import article_key_or_none

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ROWS_PER_UPDATE = 5000

fetches = sa.table(
    "fetches", sa.column("id", sa.Integer), sa.column("url", sa.Text), sa.column("url_key", sa.Text)
)


def upgrade() -> None:
    op.add_column("fetches", sa.Column("url_key", sa.Text(), nullable=True))
    connection = op.get_bind()
    set_key = (
        sa.update(fetches)
        .where(fetches.c.id == sa.bindparam("row_id"))
        .values(url_key=sa.bindparam("key"))
    )
    last_id = 0
    while True:  # in id order, a bounded slice at a time: a catalog may hold millions of fetches
        rows = connection.execute(
            sa.select(fetches.c.id, fetches.c.url)
            .where(fetches.c.id > last_id)
            .order_by(fetches.c.id)
            .limit(ROWS_PER_UPDATE)
        ).all()
        if not rows:
            break
        keyed = [{"row_id": row_id, "key": article_key_or_none(url)} for row_id, url in rows]
        connection.execute(set_key, keyed)
        last_id = rows[-1].id
    fetched = sa.text("outcome = 'fetched'")  # 304s, most rows of a recrawled archive, are not
    op.create_index(
        op.f("ix_fetches_url_key_fetched_at"),
        "fetches",
        ["url_key", "fetched_at"],
        sqlite_where=fetched,
        postgresql_where=fetched,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_fetches_url_key_fetched_at"), table_name="fetches")
    with op.batch_alter_table("fetches") as batch:
        batch.drop_column("url_key")
