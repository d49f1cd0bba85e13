"""Connecting to the catalog: engine settings per dialect and schema upgrades.

SQLite is the embedded default and is tuned for several writers: WAL so
readers never block the writer, a busy timeout so writers queue instead of
failing, foreign keys enforced, and every transaction opened with
``BEGIN IMMEDIATE`` so that a reader never has to upgrade to a writer
mid-transaction (the case the busy timeout cannot resolve).  Only
connections from :func:`for_writing` begin that way; read transactions stay
deferred so a long listing never holds the write lock.  PostgreSQL is
used as is; concurrency there rests on unique constraints, row locks and
``INSERT ... ON CONFLICT``.

SQLite's page cache is per connection, and catalog connections keep
SQLite's own 2 MB with no memory map of the file: a larger cache bought
nothing for filing into a large catalog and cost a crawl memory, and a
map stalled recrawls (``docs/decisions/0008-sqlite-page-cache-and-memory-map.md``).
Both can be set per catalog in its URL, in MiB:
``sqlite:///PATH?cache_mib=256&mmap_mib=1024`` (``cache_mib=0``, the default,
keeps SQLite's 2 MB).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Engine,
    create_engine,
    event,
    inspect,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DBAPIError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
)

from newsarchive.errors import ConfigError, NotFoundError, StorageError

BUSY_TIMEOUT_MS = 30_000
CACHE_MIB = 0  # page cache per SQLite connection in MiB; 0 keeps SQLite's own 2 MB
MMAP_MIB = 0  # no map unless asked for: see the module's docstring
_SQLITE_OPTIONS = {"cache_mib": CACHE_MIB, "mmap_mib": MMAP_MIB}
_WRITES = "newsarchive_writes"
MIGRATIONS = Path(__file__).parent / "migrations"


def create_catalog_engine(database_url: str, *, create: bool = True) -> Engine:
    """An engine for ``sqlite:///PATH`` or ``postgresql+psycopg://...``.

    Without ``create``, a SQLite catalog that does not exist yet is an error
    rather than a new file (with its directories): reading never creates.
    """
    try:
        url = make_url(database_url)
    except (ArgumentError, ValueError):  # a malformed IPv6 host surfaces as ValueError
        raise ConfigError("database URL is not a SQLAlchemy URL") from None
    backend = url.get_backend_name()
    if backend == "postgresql":
        if url.get_driver_name() != "psycopg":
            url = url.set(drivername="postgresql+psycopg")
        return create_engine(url, pool_pre_ping=True)
    if backend != "sqlite":
        raise ConfigError(f"catalog must be sqlite or postgresql, not {backend}")
    if not url.database or url.database == ":memory:":
        raise ConfigError("the SQLite catalog needs a file: sqlite:///PATH")
    options = _sqlite_options(url.query)
    if create:
        _make_home(Path(url.database).parent)
    elif not Path(url.database).is_file():
        raise NotFoundError(f"no archive here: {url.database} does not exist")
    url = url.difference_update_query(_SQLITE_OPTIONS)
    try:
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    except NoSuchModuleError as exc:
        raise ConfigError(f"unsupported database URL: {exc}") from None
    event.listen(engine, "connect", lambda dbapi, _record: _configure_sqlite(dbapi, **options))
    event.listen(engine, "begin", _begin)
    return engine


def _sqlite_options(query: Any) -> dict[str, int]:
    """``cache_mib`` and ``mmap_mib`` from the URL's query, else their defaults."""
    options = dict(_SQLITE_OPTIONS)
    for name in options:
        value = query.get(name)
        if value is None:
            continue
        if isinstance(value, tuple) or not value.isdigit():
            raise ConfigError(f"the SQLite catalog's {name} must be a whole number of MiB")
        options[name] = int(value)
    return options


def _make_home(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the catalog folder {folder}: {exc.strerror}") from None


def _configure_sqlite(
    dbapi_connection: Any, *, cache_mib: int = CACHE_MIB, mmap_mib: int = MMAP_MIB
) -> None:
    # pysqlite's own transaction handling would defer BEGIN; take it over.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    if cache_mib:  # negative: a size in KiB, not in pages
        cursor.execute(f"PRAGMA cache_size=-{cache_mib * 1024}")
    cursor.execute(f"PRAGMA mmap_size={mmap_mib * 1024 * 1024}")
    cursor.close()


def _begin(connection: Any) -> None:
    writes = connection.get_execution_options().get(_WRITES, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def for_writing(engine: Engine) -> Engine:
    """The engine whose transactions take SQLite's write lock when they begin."""
    return engine.execution_options(**{_WRITES: True})


def holds_an_archive(engine: Engine) -> bool:
    """Whether the catalog has been set up by newsarchive (its migrations table exists)."""
    failing_as = unavailable_as_storage_error("cannot open the catalog")
    with failing_as, engine.connect() as connection:
        return inspect(connection).has_table("alembic_version")


def upgrade(engine: Engine) -> None:
    """Bring the catalog schema to the newest migration (a no-op when current).

    Every open of the archive comes here, and a catalog is nearly always
    current: that is read first, in one plain read transaction, so only a
    catalog that needs a migration takes the write lock and runs Alembic's
    migration environment.  A catalog that another process brings up to date
    meanwhile is fine: Alembic, under the write lock, then finds nothing to do.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    failing_as = unavailable_as_storage_error("cannot open the catalog")
    with failing_as:
        heads = set(ScriptDirectory.from_config(config).get_heads())
        with engine.connect() as connection:
            if set(MigrationContext.configure(connection).get_current_heads()) == heads:
                return
        with for_writing(engine).begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")


@contextmanager
def unavailable_as_storage_error(doing: str) -> Iterator[None]:
    """An unreachable, locked, failing or corrupt database becomes one line, not a traceback.

    Only operational failures are translated, and a file that is no database
    (SQLite's plain ``DatabaseError``: garbage bytes, a damaged image); an
    integrity or programming error would be a bug in the archive and keeps
    its traceback.
    """
    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        raise _one_line(doing, exc) from None
    except DatabaseError as exc:
        if type(exc) is not DatabaseError:  # integrity, programming, data: a bug of ours
            raise
        raise _one_line(doing, exc) from None


def _one_line(doing: str, exc: DBAPIError) -> StorageError:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
    return StorageError(f"{doing}: {reason}")
