"""One identity rule files an article and finds it again, however its URL is written."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text
from storage_builders import T0, archive_one, hours, seed_text

from newsarchive.errors import StorageError
from newsarchive.records import ArchiveOutcome
from newsarchive.storage import Archive
from newsarchive.storage.catalog.engine import MIGRATIONS, create_catalog_engine, for_writing

SPELLINGS = [
    "https://www.example-news.org/2026/02/story/?a=1&b=2",  # as stored (canonical)
    "https://www.example-news.org/2026/02/story/?b=2&a=1",  # query in another order
    "http://www.example-news.org/2026/02/story/?a=1&b=2",  # http, archived under https
    "https://example-news.org/2026/02/story?a=1&b=2",  # no www, no final slash
    "HTTPS://WWW.Example-News.org:443/2026/02/story/?a=1&b=2&utm_medium=x&fbclid=y",
    "https://www.example-news.org/2026/02/story/?a=1&b=2#top",  # a fragment
]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_get_finds_the_article_however_its_url_is_written(archive: Archive, spelling: str) -> None:
    archive_one(archive, "https://www.example-news.org/2026/02/story/?a=1&b=2", seed_text("002"))
    snapshot = archive.snapshot(spelling)
    assert snapshot.url == "https://www.example-news.org/2026/02/story/?a=1&b=2"
    assert [v.version for v in archive.history(spelling)] == [1]


def test_another_spelling_of_a_known_article_is_a_capture_of_it(archive: Archive) -> None:
    first = "https://www.example-news.org/2026/02/story/"
    assert archive_one(archive, first, seed_text("002")) == ArchiveOutcome.NEW.value
    again = archive_one(
        archive, "http://example-news.org/2026/02/story", seed_text("002"), T0 + hours(1)
    )
    assert again == ArchiveOutcome.UNCHANGED.value
    (summary,) = archive.list_articles()
    assert summary.url == first and summary.last_seen == T0 + hours(1)


def test_different_query_values_are_different_articles(archive: Archive) -> None:
    archive_one(archive, "https://example-news.org/story?id=1", seed_text("002"))
    archive_one(archive, "https://example-news.org/story?id=2", seed_text("000"))
    assert len(list(archive.list_articles())) == 2


def _catalog_at(database_url: str, revision: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = create_catalog_engine(database_url)
    with for_writing(engine).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    engine.dispose()
    return config


def _insert_0003_articles(database_url: str, urls: list[str]) -> None:
    engine = create_catalog_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO outlets (id, name, info, created_at) VALUES (1, 'o', '{}', :t)"),
            {"t": T0.replace(tzinfo=None)},
        )
        for number, url in enumerate(urls, start=1):
            connection.execute(
                text(
                    "INSERT INTO articles (id, url, outlet_id, first_seen, last_seen) "
                    "VALUES (:id, :url, 1, :t, :t)"
                ),
                {"id": number, "url": url, "t": T0.replace(tzinfo=None)},
            )
    engine.dispose()


def test_upgrade_gives_existing_articles_their_keys(database_url: str, file_store_url: str) -> None:
    _catalog_at(database_url, "0003")
    _insert_0003_articles(
        database_url, ["https://example-news.org/a/", "https://example-news.org/b"]
    )
    with (
        Archive.open(database_url, file_store_url) as archive,  # opening upgrades it
        archive.engine.connect() as connection,
    ):
        keys = connection.execute(text("SELECT url_key FROM articles ORDER BY id")).scalars()
        assert list(keys) == ["example-news.org/a", "example-news.org/b"]


def test_upgrade_gives_existing_fetches_their_keys_and_validators_are_found_by_them(
    database_url: str, file_store_url: str
) -> None:
    """Fetches recorded before 0008 are asked for by key like new ones: none is lost."""
    _catalog_at(database_url, "0007")
    _insert_0003_articles(database_url, [])  # the outlet
    fetches = [  # (url, hours after T0, outcome, etag)
        ("http://www.example-news.org/a/", 0, "fetched", '"old"'),
        ("https://example-news.org/a", 1, "fetched", '"new"'),  # the same article, later
        ("https://example-news.org/a", 2, "not_modified", None),
        ("https://example-news.org/b?id=1", 0, "fetched", '"b"'),
        ("not a url", 0, "failed", None),
    ]
    engine = create_catalog_engine(database_url)
    with engine.begin() as connection:
        for url, later, outcome, etag in fetches:
            connection.execute(
                text(
                    "INSERT INTO fetches (outlet_id, url, fetched_at, outcome, attempts, "
                    "request_headers, response_headers, etag, extraction_state) "
                    "VALUES (1, :url, :t, :outcome, 1, '[]', '[]', :etag, 'none')"
                ),
                {
                    "url": url,
                    "t": (T0 + hours(later)).replace(tzinfo=None),
                    "outcome": outcome,
                    "etag": etag,
                },
            )
    engine.dispose()
    with Archive.open(database_url, file_store_url) as archive:  # opening upgrades it
        with archive.engine.connect() as connection:
            keys = connection.execute(text("SELECT url_key FROM fetches ORDER BY id")).scalars()
            assert list(keys) == [
                "example-news.org/a",
                "example-news.org/a",
                "example-news.org/a",
                "example-news.org/b?id=1",
                None,
            ]
        found = archive.validators("o", ["example-news.org/a", "example-news.org/b?id=1", "x/y"])
        assert {key: v.etag for key, v in found.items()} == {
            "example-news.org/a": '"new"',
            "example-news.org/b?id=1": '"b"',
        }


def test_upgrade_refuses_two_articles_the_rule_calls_one(
    database_url: str, file_store_url: str
) -> None:
    _catalog_at(database_url, "0003")
    _insert_0003_articles(
        database_url, ["https://example-news.org/a/", "http://www.example-news.org/a"]
    )
    with pytest.raises(StorageError, match="held by several articles") as caught:
        Archive.open(database_url, file_store_url)
    assert "\n" not in str(caught.value)
    engine = create_catalog_engine(database_url)
    with engine.connect() as connection:  # nothing was changed: still at 0003, both kept
        assert (
            connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0003"
        )
        assert connection.execute(text("SELECT count(*) FROM articles")).scalar() == 2
    engine.dispose()
