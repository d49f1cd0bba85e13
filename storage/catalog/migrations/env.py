"""Alembic environment: runs on the connection the archive hands over.

The archive upgrades its own schema when opened, so there is no
``alembic.ini`` and no URL here: :func:`newsarchive.storage.catalog.upgrade`
passes an open connection in ``config.attributes["connection"]``.  On
PostgreSQL an advisory lock makes concurrent first opens wait for each other
instead of racing to create the same tables.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from newsarchive.storage.catalog.models import Base

MIGRATION_LOCK = 7_244_105_112  # arbitrary, constant key of the advisory lock

connection = context.config.attributes["connection"]
if connection.dialect.name == "postgresql":
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
