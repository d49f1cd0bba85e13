"""SURT keys of articles, for the CDX API's range queries.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08

Archivists' CDX queries ask for a URL, a path prefix, a host or a whole
domain; in SURT form (``org,example)/news/a``, the host reversed) each of
those is one range of keys, which an index answers without reading every
article.  ``surt_key`` holds :func:`newsarchive.identity.surt_key` of each
article's URL, backfilled here for the articles already filed.  On
PostgreSQL the column sorts bytewise (collation ``C``): a locale's
collation ignores the punctuation that SURT ranges are made of.  The
column stays nullable: making it NOT NULL on SQLite means rebuilding
``articles``, which the foreign keys of its fetches and versions forbid
while they point at it; filing always sets it.  The
captures of the articles in a range are then read through a new index of
fetches by article and time, which reading an article's captures lacked.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from newsarchive.identity import surt_key

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SURT_TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    op.add_column("articles", sa.Column("surt_key", SURT_TEXT, nullable=True))
    articles = sa.table("articles", sa.column("id", sa.Integer), sa.column("url", sa.Text))
    keyed = sa.table("articles", sa.column("id", sa.Integer), sa.column("surt_key", sa.Text))
    connection = op.get_bind()
    keys = [
        {"article_id": article_id, "key": surt_key(url)}
        for article_id, url in connection.execute(sa.select(articles.c.id, articles.c.url))
    ]
    if keys:
        connection.execute(
            sa.update(keyed)
            .where(keyed.c.id == sa.bindparam("article_id"))
            .values(surt_key=sa.bindparam("key")),
            keys,
        )
    op.create_index("ix_articles_surt_key", "articles", ["surt_key"])
    op.create_index("ix_fetches_article_id_fetched_at", "fetches", ["article_id", "fetched_at"])


def downgrade() -> None:
    op.drop_index("ix_fetches_article_id_fetched_at", table_name="fetches")
    op.drop_index("ix_articles_surt_key", table_name="articles")
    op.drop_column("articles", "surt_key")
