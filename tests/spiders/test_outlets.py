"""The outlets file: the shipped files load, broken files are refused on one line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from newsarchive.errors import ConfigError
from newsarchive.spiders.outlets import OutletKind, builtin_outlets_path, load_outlets

GOOD = """
[[outlet]]
name = "sputnik"
kind = "feed"
start_urls = ["https://sputnikglobe.com/export/rss2/archive/index.xml"]
allowed_domains = ["sputnikglobe.com"]
article_pattern = '/\\d{8}/'
profile = "sputnik"
schedule = "*/30 * * * *"
download_delay = 1.0
concurrency = 2
max_pages = 500
"""


def write(text: str) -> Path:
    path = Path("outlets.toml")
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file_loads() -> None:
    (outlet,) = load_outlets(write(GOOD))
    assert outlet.name == "sputnik"
    assert outlet.kind is OutletKind.FEED
    assert outlet.matches_article("https://sputnikglobe.com/20260223/story-1.html")
    assert not outlet.matches_article("https://sputnikglobe.com/world/")


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t.replace('kind = "feed"', 'kind = "magic"'), "outlet 'sputnik': kind:"),
        (lambda t: t.replace("max_pages = 500\n", ""), None),
        (
            lambda t: t.replace("'/\\d{8}/'", "'/(\\d{8}/'"),
            "outlet 'sputnik': article_pattern: bad regex",
        ),
        (
            lambda t: t.replace('"*/30 * * * *"', '"every half hour"'),
            "outlet 'sputnik': schedule: bad cron expression",
        ),
        (lambda t: t + t, "outlet 'sputnik': name: duplicate outlet name"),
        (lambda t: t + 'colour = "red"\n', "outlet 'sputnik': colour: unknown key"),
        (
            lambda t: t.replace('allowed_domains = ["sputnikglobe.com"]\n', ""),
            "outlet 'sputnik': allowed_domains: missing field",
        ),
        (
            lambda t: t.replace("https://sputnikglobe", "ftp://sputnikglobe"),
            "outlet 'sputnik': start_urls: not an http(s) URL",
        ),
        (
            lambda t: t.replace('name = "sputnik"', 'name = "Sputnik News"'),
            "outlet 'Sputnik News': name:",
        ),
        (lambda t: t.replace("download_delay = 1.0", "download_delay = -1"), "download_delay:"),
        (lambda t: t.replace("[[outlet]]", "[[outlet]"), "outlets.toml: not valid TOML"),
        (
            lambda t: t.replace('kind = "feed"', 'kind = "listing"').replace(
                "article_pattern = '/\\d{8}/'\n", ""
            ),
            "outlet 'sputnik': article_pattern: required for kind 'listing'",
        ),
        # A crawl waiting forever between requests would hang its run and hold its site.
        (lambda t: t.replace("download_delay = 1.0", "download_delay = inf"), "download_delay:"),
        (lambda t: t.replace("download_delay = 1.0", "download_delay = 7200"), "3600"),
        (
            lambda t: t.replace("https://sputnikglobe", "https://sputnik globe"),
            "start_urls: not a valid host name",
        ),
        (
            lambda t: t.replace("https://sputnikglobe.com", "http://[::1"),
            "start_urls: not an http(s) URL: 'http://[::1/",
        ),
        (
            lambda t: t.replace("max_pages = 500", "max_pages = 500\nstale_after_runs = 0"),
            "stale_after_runs:",
        ),
        (
            lambda t: t + 'private_addresses = "yes"\n',
            "outlet 'sputnik': private_addresses: Input should be a valid boolean",
        ),
        (
            lambda t: t.replace("https://sputnikglobe", "https://reader:s3cret@sputnikglobe"),
            "start_urls: 'https://sputnikglobe.com/export/rss2/archive/index.xml' was given a"
            " user:password@, which is never sent",
        ),
        # What a linear-time engine cannot match is refused before anything is fetched.
        (
            lambda t: t.replace("'/\\d{8}/'", "'/(\\d{8})/\\1'"),
            "outlet 'sputnik': article_pattern: bad regex: invalid escape sequence: \\1",
        ),
        (
            lambda t: t.replace("'/\\d{8}/'", "'/(?!video)\\d{8}/'"),
            "outlet 'sputnik': article_pattern: bad regex: invalid perl operator: (?!",
        ),
        (
            lambda t: t + "pagination_pattern = '(?<=/)page/'\n",
            "outlet 'sputnik': pagination_pattern: bad regex: invalid perl operator: (?<",
        ),
        (
            lambda t: t.replace("max_pages = 500", "max_pages = 5000000"),
            "outlet 'sputnik': max_pages: Input should be less than or equal to 10000",
        ),
    ],
    ids=[
        "unknown-kind",
        "missing-max-pages-defaults",
        "bad-regex",
        "bad-cron",
        "duplicate-name",
        "unknown-key",
        "missing-field",
        "bad-scheme",
        "bad-name",
        "negative-delay",
        "toml-syntax",
        "listing-without-pattern",
        "infinite-delay",
        "delay-over-an-hour",
        "space-in-host",
        "malformed-ipv6-host",
        "stale-after-zero-runs",
        "private-addresses-not-a-boolean",
        "credentials-in-a-start-url",
        "backreference",
        "lookahead",
        "lookbehind-in-pagination",
        "budget-over-the-bound",
    ],
)
def test_broken_file_is_refused_with_one_line(
    edit: Callable[[str], str], expected: str | None
) -> None:
    path = write(edit(GOOD))
    if expected is None:  # optional fields fall back to their defaults
        assert load_outlets(path)[0].max_pages == 500
        return
    with pytest.raises(ConfigError) as caught:
        load_outlets(path)
    message = str(caught.value)
    assert message.startswith("outlets.toml: ")
    assert expected in message
    assert "\n" not in message
    assert "s3cret" not in message  # a password in the file is never echoed


def test_an_intranet_outlet_opts_in_to_private_addresses() -> None:
    assert not load_outlets(write(GOOD))[0].private_addresses
    assert load_outlets(write(GOOD + "private_addresses = true\n"))[0].private_addresses


@pytest.mark.timeout(10)
def test_pathological_pattern_matches_a_long_link_at_once() -> None:
    """Python's backtracking ``re`` takes 2**n steps on this pair: it would never return."""
    (outlet,) = load_outlets(write(GOOD.replace("'/\\d{8}/'", "'(a+)+$'")))
    long_link = "https://sputnikglobe.com/" + "a" * 50_000 + "!"
    assert not outlet.matches_article(long_link)
    assert outlet.matches_article("https://sputnikglobe.com/" + "a" * 50_000)


def test_missing_file_is_refused() -> None:
    with pytest.raises(ConfigError, match="no such outlets file"):
        load_outlets(Path("nowhere.toml"))


def test_builtin_outlets_cover_every_kind() -> None:
    outlets = load_outlets(builtin_outlets_path())
    assert {o.name for o in outlets} == {"joongang", "sputnik", "vanguard", "kcnawatch"}
    assert {o.kind for o in outlets} == set(OutletKind)
    for outlet in outlets:
        assert all(url.startswith("https://") for url in outlet.start_urls)
        assert outlet.download_delay >= 1
