"""SQLite catalog connections: the page cache and memory map they open with."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text

from newsarchive.errors import ConfigError
from newsarchive.storage import Archive
from newsarchive.storage.catalog.engine import create_catalog_engine


def _cache_and_mmap(database_url: str) -> tuple[int, int]:
    engine = create_catalog_engine(database_url)
    try:
        with engine.connect() as connection:
            cache = connection.execute(text("PRAGMA cache_size")).scalar_one()
            mmap = connection.execute(text("PRAGMA mmap_size")).scalar_one()
    finally:
        engine.dispose()
    return cache, mmap


def test_catalog_connections_keep_sqlites_cache_and_map_only_when_asked(tmp_path: Path) -> None:
    with closing(sqlite3.connect(tmp_path / "plain.db")) as plain:
        sqlites_own = plain.execute("PRAGMA cache_size").fetchone()[0]
    assert _cache_and_mmap(f"sqlite:///{tmp_path / 'catalog.db'}") == (sqlites_own, 0)
    _, mapped = _cache_and_mmap(f"sqlite:///{tmp_path / 'catalog.db'}?mmap_mib=512")
    assert mapped > 0  # the build's own cap may lower the value asked for


def test_cache_and_mmap_are_set_in_the_catalog_url(tmp_path: Path, file_store_url: str) -> None:
    database_url = f"sqlite:///{tmp_path / 'catalog.db'}?cache_mib=8&mmap_mib=0"
    assert _cache_and_mmap(database_url) == (-8 * 1024, 0)
    with Archive.open(database_url, file_store_url) as archive:  # not handed to sqlite3.connect
        assert list(archive.list_articles()) == []
    assert (tmp_path / "catalog.db").is_file()


@pytest.mark.parametrize("query", ["cache_mib=lots", "mmap_mib=-1", "cache_mib=1&cache_mib=2"])
def test_bad_cache_settings_are_refused_in_one_line(tmp_path: Path, query: str) -> None:
    with pytest.raises(ConfigError, match="must be a whole number of MiB"):
        create_catalog_engine(f"sqlite:///{tmp_path / 'catalog.db'}?{query}")
