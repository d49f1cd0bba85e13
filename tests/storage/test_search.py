"""Search as archivists type it, on SQLite FTS5 and PostgreSQL alike.

Phrases, OR, -exclusion, prefix*, outlet and publication-date filters, every
version or the latest, and copies folded under the article they copy.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from storage_builders import (
    T0,
    XINHUA_VANGUARD,
    archive_one,
    extracted,
    fetched,
    hours,
    page,
    seed_text,
)

from newsarchive.errors import InputError
from newsarchive.storage import Archive
from newsarchive.storage.reading.fulltext import INDEXED_TEXT_CHARS, Filters
from newsarchive.storage.reading.searchquery import MAX_QUERY_CHARS, MAX_QUERY_WORDS

XI = "https://www.vanguardngr.com/2021/01/xi-message/"
COPY = "https://english.news.cn/20210111/xi-message.html"
VERBAL = "https://kcnawatch.org/newstream/1616482916-3/verbal-message/"
SPUTNIK = "https://sputnikglobe.com/20260223/xi-congratulates-kim.html"
MARKER = "A quartermaster's note closed the first edition."


def file(
    archive: Archive, url: str, body: str, at: datetime, outlet: str, published: datetime
) -> str:
    record = archive.record_fetch(fetched(url, page(body), at, outlet=outlet))
    extraction = replace(extracted(url, body), published=published)
    return archive.file_extraction(record, extraction).value


@pytest.fixture
def searchable(archive: Archive) -> Archive:
    wire = seed_text(XINHUA_VANGUARD)
    assert (
        file(archive, XI, f"{wire}\n{MARKER}", T0, "vanguard", datetime(2021, 1, 11, tzinfo=UTC))
        == "new"
    )
    assert (
        file(archive, XI, wire, T0 + hours(5), "vanguard", datetime(2021, 1, 11, tzinfo=UTC))
        == "updated"
    )
    copy = wire.replace("He also extended warm regards", "He also sent his warm regards")
    assert (
        file(archive, COPY, copy, T0 + hours(1), "xinhua", datetime(2021, 1, 12, tzinfo=UTC))
        == "duplicate"
    )
    assert (
        file(
            archive,
            VERBAL,
            seed_text("003"),
            T0 + hours(2),
            "kcna",
            datetime(2021, 3, 23, tzinfo=UTC),
        )
        == "new"
    )
    assert (
        file(
            archive,
            SPUTNIK,
            seed_text("001"),
            T0 + hours(3),
            "sputnik",
            datetime(2026, 2, 23, tzinfo=UTC),
        )
        == "new"
    )
    return archive


def urls(archive: Archive, query: str, **filters: object) -> list[str]:
    return [hit.url for hit in archive.search(query, filters=Filters(**filters))]  # type: ignore[arg-type]


def test_words_phrases_or_exclusion_and_prefix(searchable: Archive) -> None:
    assert urls(searchable, '"verbal message"') == [VERBAL]
    assert urls(searchable, '"message verbal"') == []  # a phrase keeps its order
    assert set(urls(searchable, "gladness OR verbal")) == {XI, VERBAL}
    assert urls(searchable, "gladness verbal") == []  # plain words must all occur
    assert set(urls(searchable, "Jinping")) == {XI, VERBAL, SPUTNIK}
    assert set(urls(searchable, "Jinping -verbal")) == {XI, SPUTNIK}
    assert set(urls(searchable, 'Jinping -"verbal message" -gladness')) == {SPUTNIK}
    assert urls(searchable, "verb*") == [VERBAL]  # a prefix of the word (and of its stem)
    assert urls(searchable, "verb") == []  # without the star, a word is a word


def test_filters_outlet_publication_dates(searchable: Archive) -> None:
    assert urls(searchable, "Jinping", outlet="kcna") == [VERBAL]
    assert set(urls(searchable, "Jinping", since=datetime(2021, 2, 1, tzinfo=UTC))) == {
        VERBAL,
        SPUTNIK,
    }
    assert urls(searchable, "Jinping", until=datetime(2021, 1, 31, tzinfo=UTC)) == [XI]
    window = {
        "since": datetime(2021, 3, 1, tzinfo=UTC),
        "until": datetime(2021, 12, 31, tzinfo=UTC),
    }
    assert urls(searchable, "Jinping", **window) == [VERBAL]


def test_copies_are_folded_under_their_original(searchable: Archive) -> None:
    (hit,) = searchable.search("warm regards")
    assert hit.url == XI and hit.duplicates == (COPY,) and hit.duplicate_of is None
    (only_copy,) = searchable.search('"sent his warm regards"')  # the original lacks this
    assert only_copy.url == COPY and only_copy.duplicate_of == XI


def test_all_versions_finds_text_since_replaced(searchable: Archive) -> None:
    assert urls(searchable, "quartermaster") == []
    (hit,) = searchable.search("quartermaster", filters=Filters(all_versions=True))
    assert (hit.url, hit.version) == (XI, 1)
    assert hit.fetched_at == T0
    assert hit.versions == (1,)
    (both,) = searchable.search("gladness", filters=Filters(all_versions=True))
    assert both.url == XI  # one hit for the article, naming every version that matched
    assert both.versions == (1, 2) and both.version in both.versions
    (latest,) = searchable.search("gladness")
    assert latest.versions == (2,)


def test_versions_filed_before_the_index_existed_are_indexed_when_searched(
    searchable: Archive,
) -> None:
    with searchable.engine.begin() as connection:
        connection.execute(text("DELETE FROM version_search"))
    (hit,) = searchable.search("quartermaster", filters=Filters(all_versions=True))
    assert (hit.url, hit.version) == (XI, 1)


@pytest.mark.parametrize(
    "query", ['"gladness', "gladness (", "gladness AND", "gladness)", "gladness:*", "'gladness'"]
)
def test_engine_syntax_in_a_query_is_never_an_error(searchable: Archive, query: str) -> None:
    assert urls(searchable, query) == [XI]


@pytest.mark.parametrize("query", ["-gladness", "*", '""', " -- ", "OR", '-"warm regards" OR -x'])
def test_a_query_with_nothing_to_find_is_refused(searchable: Archive, query: str) -> None:
    with pytest.raises(InputError, match="no words to find"):
        searchable.search(query)


def test_a_query_beyond_the_bounds_is_refused_before_any_engine_sees_it(
    searchable: Archive,
) -> None:
    words = re.findall(r"\b[A-Za-z]{3,6}\b", seed_text(XINHUA_VANGUARD))
    distinct = list(dict.fromkeys(w.lower() for w in words))[: MAX_QUERY_WORDS + 2]
    assert len(distinct) == MAX_QUERY_WORDS + 2
    at_most = " ".join(distinct[:MAX_QUERY_WORDS])
    assert urls(searchable, at_most) == [XI]  # the bound itself is searched
    phrase = f'"{" ".join(distinct[: MAX_QUERY_WORDS - 1])}"'
    for beyond in [
        " OR ".join(distinct[: MAX_QUERY_WORDS + 1]),
        f"{phrase} -{distinct[-1]} -{distinct[-2]}",  # a phrase's and exclusions' words count
    ]:
        assert len(beyond) <= MAX_QUERY_CHARS
        with pytest.raises(InputError, match=f"at most {MAX_QUERY_WORDS} are searched"):
            searchable.search(beyond)
    long_words = "x" * (MAX_QUERY_CHARS - 8) + " gladness"
    with pytest.raises(InputError, match=f"{len(long_words)} characters long; at most"):
        searchable.search(long_words)
    assert urls(searchable, long_words[1:]) == []  # within the bound: searched, found nothing
    with pytest.raises(InputError, match="at most"):
        searchable.search(" ".join(distinct * 60))  # 2,000 words: the trial's query


def distinct_terms(archive: Archive, table: str) -> int:
    """How many distinct terms the engine's index ``table`` holds, as the engine counts them."""
    with archive.engine.begin() as connection:
        if archive.engine.dialect.name == "sqlite":
            connection.execute(
                text(f"CREATE VIRTUAL TABLE temp.v_{table} USING fts5vocab(main, {table}, row)")
            )
            return int(
                connection.execute(text(f"SELECT count(*) FROM temp.v_{table}")).scalar_one()
            )
        stat = text("SELECT count(*) FROM ts_stat(:documents)")
        return int(
            connection.execute(stat, {"documents": f"SELECT document FROM {table}"}).scalar_one()
        )


def test_a_huge_page_of_unique_tokens_adds_at_most_the_cap(archive: Archive) -> None:
    rng = random.Random(20261208)
    tokens = list(
        dict.fromkeys("".join(rng.choices(string.ascii_lowercase, k=7)) for _ in range(300_000))
    )
    article = seed_text(XINHUA_VANGUARD)
    # 2.4 MB, a data dump under a short article: uncapped, it would cost about 13 MB of index,
    # and on PostgreSQL the page could not be filed at all (a tsvector holds at most 1 MB)
    body = f"{article}\n{' '.join(tokens)}"
    assert len(body) > 20 * INDEXED_TEXT_CHARS
    title = extracted(XI, body).title  # the title archive_one files
    assert archive_one(archive, XI, body) == "new"

    kept = body[:INDEXED_TEXT_CHARS]
    words_kept = {w.lower() for w in re.findall(r"\w+", f"{title} {kept}")}
    end, inside = len(article), []  # the tokens wholly within the cap
    for token in tokens:
        end += 1 + len(token)
        if end > len(kept):
            break
        inside.append(token)
    outside = tokens[len(inside) :]
    for table in ("article_search", "version_search"):
        with archive.engine.connect() as connection:
            indexed = connection.execute(text(f"SELECT body FROM {table}")).scalar_one()
        assert len(indexed) <= INDEXED_TEXT_CHARS
        assert len(inside) <= distinct_terms(archive, table) <= len(words_kept)
    for filters in (Filters(), Filters(all_versions=True)):
        assert [h.url for h in archive.search('"warm regards"', filters=filters)] == [XI]
        assert [h.url for h in archive.search(inside[-1], filters=filters)] == [XI]
        assert archive.search(outside[0], filters=filters) == []
        assert archive.search(outside[-1], filters=filters) == []
