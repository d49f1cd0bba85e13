"""The SQL catalog: its tables, their migrations, and connecting to it on either engine.

Everything storage knows about SQL that is not a question about the archive
lives here: the typed models (:mod:`.models`), the Alembic migrations that
create and evolve them, engine settings per dialect and schema upgrades
(:mod:`.engine`), statements that read the same on SQLite and PostgreSQL
(:mod:`.statements`) and the site leases that keep two crawls off one site
(:mod:`.leases`).
"""

from newsarchive.storage.catalog.engine import (
    create_catalog_engine,
    for_writing,
    holds_an_archive,
    unavailable_as_storage_error,
    upgrade,
)

__all__ = [
    "create_catalog_engine",
    "for_writing",
    "holds_an_archive",
    "unavailable_as_storage_error",
    "upgrade",
]
