"""Article identity keys: one rule to file an article and to find it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

Articles were unique by canonical URL, which kept the scheme and a final
slash, so ``http://`` and ``https://`` forms of one article could not find
each other.  ``url_key`` holds :func:`newsarchive.identity.article_key` of
each article's URL and becomes the unique identity.  Two existing articles
that the new rule calls one cannot be merged silently: the upgrade stops and
names them, and nothing is changed.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

from newsarchive.errors import StorageError
from newsarchive.identity import article_key

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("url_key", sa.Text(), nullable=True))
    articles = sa.table("articles", sa.column("id", sa.Integer), sa.column("url", sa.Text))
    keyed = sa.table("articles", sa.column("id", sa.Integer), sa.column("url_key", sa.Text))
    connection = op.get_bind()
    holders: dict[str, list[str]] = defaultdict(list)
    for article_id, url in connection.execute(sa.select(articles.c.id, articles.c.url)):
        key = article_key(url)
        holders[key].append(url)
        connection.execute(sa.update(keyed).where(keyed.c.id == article_id).values(url_key=key))
    clashes = {key: urls for key, urls in holders.items() if len(urls) > 1}
    if clashes:
        key, urls = next(iter(clashes.items()))
        raise StorageError(
            f"catalog upgrade 0004: {len(clashes)} article identities are held by several "
            f"articles (e.g. {' and '.join(urls)}); merge them first, nothing was changed"
        )
    with op.batch_alter_table("articles") as batch:
        batch.alter_column("url_key", existing_type=sa.Text(), nullable=False)
        batch.create_unique_constraint("uq_articles_url_key", ["url_key"])


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_constraint("uq_articles_url_key", type_="unique")
        batch.drop_column("url_key")
