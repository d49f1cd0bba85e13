"""The catalog schema: migrations, engine settings, and index-only LSH lookups."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import postgres_service
import psycopg
import pytest
import surt
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Executable, insert, inspect, text
from storage_builders import T0, archive_one, seed_text

from newsarchive.errors import ConfigError, StorageError
from newsarchive.storage import Archive
from newsarchive.storage.catalog.engine import MIGRATIONS, for_writing, upgrade
from newsarchive.storage.catalog.models import (
    ArticleRow,
    Base,
    ContentRow,
    FetchRow,
    LshBandRow,
    OutletRow,
)
from newsarchive.storage.filing import neardup
from newsarchive.storage.filing.conditional import validators_query
from newsarchive.storage.filing.versions import near_candidates_query
from newsarchive.storage.reading.cdx import MatchType, key_range, range_query

FULLTEXT_TABLES = ("article_search", "version_search")


def _not_fulltext(name: str | None, type_: str, *_: object) -> bool:
    return not (type_ == "table" and name is not None and name.startswith(FULLTEXT_TABLES))


def test_migrations_build_exactly_the_modelled_schema(archive: Archive) -> None:
    with archive.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": _not_fulltext, "compare_type": True}
        )
        assert compare_metadata(context, Base.metadata) == []
        head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
        assert connection.execute(text("SELECT version_num FROM alembic_version")).all() == [
            (head,)
        ]


def test_reopening_is_an_upgrade_no_op(database_url: str, file_store_url: str) -> None:
    with Archive.open(database_url, file_store_url) as archive:
        archive_one(archive, "https://vanguardngr.com/a/", seed_text("002"))
    with Archive.open(database_url, file_store_url) as archive:
        (summary,) = archive.list_articles()
        assert summary.first_seen == T0
        assert summary.first_seen.tzinfo is not None


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path, file_store_url: str) -> None:
    database_url = f"sqlite:///{tmp_path}/nested/catalog.db"
    with Archive.open(database_url, file_store_url) as archive, archive.engine.connect() as c:
        assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert c.execute(text("PRAGMA busy_timeout")).scalar() == 30000


@pytest.mark.parametrize(
    ("url", "error", "message"),
    [
        ("mysql://localhost/db", ConfigError, "catalog must be sqlite or postgresql, not mysql"),
        ("not a url", ConfigError, "not a SQLAlchemy URL"),
        ("sqlite://", ConfigError, "needs a file"),
        ("postgresql+psycopg://postgres@127.0.0.1:1/none", StorageError, "cannot open the catalog"),
    ],
)
def test_unusable_catalogs_fail_in_one_line(
    url: str, error: type[Exception], message: str, file_store_url: str
) -> None:
    with pytest.raises(error, match=message) as caught:
        Archive.open(url, file_store_url)
    assert "\n" not in str(caught.value)


def _fill_bands(archive: Archive, texts: int) -> None:
    """Band rows of many texts, as a large archive holds them, then fresh statistics."""
    rng = random.Random(7)
    contents, bands = [], []
    for number in range(texts):
        sha = f"{number:064x}"
        contents.append(
            {"sha256": sha, "key": "k", "size": 1, "minhash": b"", "created_at": datetime.now(UTC)}
        )
        bands += [
            {"content_sha256": sha, "band": band, "hash": rng.getrandbits(63)}
            for band in range(neardup.BANDS)
        ]
    with archive.engine.begin() as connection:
        connection.execute(insert(ContentRow), contents)
        connection.execute(insert(LshBandRow), bands)
        connection.execute(text("ANALYZE"))


def test_near_duplicate_lookup_only_uses_the_band_index(archive: Archive) -> None:
    _fill_bands(archive, 3000)
    probe = neardup.bands(neardup.signature(seed_text("002")))
    sqlite, plan = _plan(archive, near_candidates_query(probe, exclude="0" * 64))
    if sqlite:
        lsh_steps = [step for step in plan if "lsh_bands" in step]
        assert lsh_steps
        assert all("USING INDEX ix_lsh_bands_band_hash" in step for step in lsh_steps)
    else:
        assert any("Index Scan on ix_lsh_bands_band_hash" in step for step in plan), plan
        assert not any("Seq Scan" in step for step in plan), plan


def test_validators_are_read_by_article_key_through_an_index(archive: Archive) -> None:
    """A crawl's lookup reads the fetches of the articles it asks for, never the outlet's all."""
    _fill_fetches(archive, 3000)
    sqlite, plan = _plan(archive, validators_query("o", ["example.org/7", "example.org/8"]))
    fetch_steps = [step for step in plan if "fetches" in step]
    assert fetch_steps, plan
    if sqlite:
        assert all("USING INDEX ix_fetches_url_key_fetched_at" in s for s in fetch_steps)
    else:
        assert any("on ix_fetches_url_key_fetched_at" in step for step in plan), plan
        assert not any("Seq Scan on fetches" in step for step in plan), plan


def _fill_fetches(archive: Archive, articles: int) -> None:
    """Two fetches of each of many articles of one outlet, then fresh statistics."""
    with archive.engine.begin() as connection:
        connection.execute(insert(OutletRow), [{"id": 1, "name": "o", "created_at": T0}])
        connection.execute(
            insert(FetchRow),
            [
                {
                    "outlet_id": 1,
                    "url": f"https://example.org/{number}",
                    "url_key": f"example.org/{number}",
                    "fetched_at": T0 + timedelta(hours=hour),
                    "outcome": outcome,
                    "etag": f'"{number}-{hour}"',
                    "extraction_state": "none",
                }
                for number in range(articles)
                for hour, outcome in enumerate(("fetched", "not_modified"))
            ],
        )
        connection.execute(text("ANALYZE"))


def _plan(archive: Archive, query: Executable) -> tuple[bool, list[str]]:
    """Whether the catalog is SQLite, and the steps of its plan for ``query``."""
    with archive.engine.connect() as connection:
        sql = str(query.compile(connection, compile_kwargs={"literal_binds": True}))
        if connection.dialect.name == "sqlite":
            return True, [row[-1] for row in connection.execute(text(f"EXPLAIN QUERY PLAN {sql}"))]
        return False, [row[0] for row in connection.execute(text(f"EXPLAIN {sql}"))]


def test_catalog_lost_mid_use_is_a_one_line_storage_error(
    postgres_url: str, file_store_url: str
) -> None:
    name = postgres_url.rsplit("/", 1)[1]
    with Archive.open(postgres_url, file_store_url) as archive:
        archive_one(archive, "https://vanguardngr.com/a/", seed_text("002"))
        with psycopg.connect(postgres_service.admin_url(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        with pytest.raises(StorageError, match=f'catalog read failed: .*"{name}"') as caught:
            archive.history("https://vanguardngr.com/a/")
        assert "\n" not in str(caught.value)
        with pytest.raises(StorageError, match="catalog write failed"):
            archive.ensure_outlet("vanguard")


def test_migrations_downgrade_to_nothing_and_back(archive: Archive) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with for_writing(archive.engine).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        assert inspect(connection).get_table_names() == ["alembic_version"]
    upgrade(archive.engine)
    archive_one(archive, "https://vanguardngr.com/a/", seed_text("002"))
    assert [hit.url for hit in archive.search("socialist")] == ["https://vanguardngr.com/a/"]


@pytest.mark.parametrize("match", list(MatchType))
def test_cdx_queries_read_a_range_of_the_surt_key_index(archive: Archive, match: MatchType) -> None:
    """Every match type is a range of the articles' SURT keys: no query reads all articles."""
    _fill_keyed_articles(archive, 3000)
    sqlite, plan = _plan(archive, range_query(*key_range("https://example.org/7/", match)))
    if sqlite:
        assert any("USING COVERING INDEX ix_articles_surt_key" in s for s in plan), plan
        assert any("USING INDEX ix_fetches_article_id_fetched_at" in s for s in plan), plan
        assert not any(s.startswith("SCAN articles") for s in plan), plan
    else:
        assert any("ix_articles_surt_key" in step for step in plan), plan
        assert not any("Seq Scan on articles" in step for step in plan), plan
        assert not any("Seq Scan on fetches" in step for step in plan), plan


def _fill_keyed_articles(archive: Archive, articles: int) -> None:
    """Many articles on many hosts, one fetch each, then fresh statistics."""
    with archive.engine.begin() as connection:
        connection.execute(insert(OutletRow), [{"id": 1, "name": "o", "created_at": T0}])
        urls = [f"https://host{number % 300}.org/{number}/" for number in range(articles)]
        connection.execute(
            insert(ArticleRow),
            [
                {"id": number + 1, "url": url, "url_key": url, "surt_key": surt.surt(url),
                 "outlet_id": 1, "first_seen": T0, "last_seen": T0}
                for number, url in enumerate(urls)
            ],
        )  # fmt: skip
        connection.execute(
            insert(FetchRow),
            [
                {"outlet_id": 1, "url": url, "fetched_at": T0, "outcome": "fetched",
                 "extraction_state": "filed", "article_id": number + 1}
                for number, url in enumerate(urls)
            ],
        )  # fmt: skip
        connection.execute(text("ANALYZE"))


def test_upgrade_keys_the_articles_filed_before_it(archive: Archive) -> None:
    """Articles filed before SURT keys existed get theirs, as pywb would make them."""
    archive_one(archive, "http://example.com/path/file.html", seed_text("002"))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with for_writing(archive.engine).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0010")
        assert "surt_key" not in {c["name"] for c in inspect(connection).get_columns("articles")}
    upgrade(archive.engine)
    with archive.engine.connect() as connection:
        keys = connection.execute(text("SELECT surt_key FROM articles")).scalars().all()
    assert keys == ["com,example)/path/file.html"]  # pywb's own example of its canonical key
