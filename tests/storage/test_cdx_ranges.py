"""CDX queries on both catalogs: which URLs each match type takes in, and which it leaves out.

The URLs sit where SURT ranges have edges: a ``www`` label, a subdomain, a
host that merely starts with the domain's name, another top-level domain,
a path that only starts like the prefix.  What each query must find is
read off the URLs by what a host, a domain and a path prefix are.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from storage_builders import T0, archive_one, edit_words, seed_text

from newsarchive.storage import Archive, CdxQuery, MatchType

URLS = {
    "a": "https://example.org/news/a",
    "b": "https://www.example.org/news/b/",
    "c": "https://blog.example.org/post",
    "d": "https://example.org.evil.net/news/a",
    "e": "https://example.com/news/a",
    "f": "https://example.organic/news/a",
    "g": "https://example.org/newsletter",
}


@pytest.fixture
def filed(archive: Archive) -> Archive:
    text = seed_text("002")
    for number, url in enumerate(URLS.values()):
        at = T0 + timedelta(hours=number)
        archive_one(archive, url, edit_words(text, 3 + number, f"word{number}"), at)
    return archive


@pytest.mark.parametrize(
    ("url", "match", "found"),
    [
        ("example.org/news/a", MatchType.EXACT, "a"),
        ("http://www.example.org/news/b/", MatchType.EXACT, "b"),
        ("https://example.org/news/", MatchType.PREFIX, "ab"),
        ("https://example.org/news", MatchType.PREFIX, "abg"),
        ("https://www.example.org/anything", MatchType.HOST, "abg"),
        ("blog.example.org", MatchType.HOST, "c"),
        ("example.org", MatchType.DOMAIN, "abcg"),
        ("org", MatchType.DOMAIN, "abcg"),
        ("example.net", MatchType.DOMAIN, ""),
    ],
)
def test_each_match_type_takes_its_urls_and_no_other(
    filed: Archive, url: str, match: MatchType, found: str
) -> None:
    lines = filed.cdx(CdxQuery(url, match))
    assert sorted(line.url for line in lines) == sorted(URLS[name] for name in found)
    assert lines == sorted(lines, key=lambda line: (line.urlkey, line.timestamp))


def test_from_to_and_limit_cut_the_sorted_lines(filed: Archive) -> None:
    every = filed.cdx(CdxQuery("example.org", MatchType.DOMAIN))
    hours = filed.cdx(
        CdxQuery(
            "example.org",
            MatchType.DOMAIN,
            start=T0 + timedelta(hours=1),
            end=T0 + timedelta(hours=2),
        )
    )
    assert sorted(line.url for line in hours) == sorted([URLS["b"], URLS["c"]])
    assert filed.cdx(CdxQuery("example.org", MatchType.DOMAIN, limit=2)) == every[:2]
