"""The Scrapy messages ``spiders/outcomes.py`` matches, produced by the locked Scrapy itself.

Scrapy raises a bare ``IgnoreRequest`` for the redirect limit and for a
decompression bomb, as it does for robots.txt; only the message tells them
apart.  Each case makes the real middleware refuse a real request and checks
that its message still carries the marker the table looks for, so a Scrapy
release that rewords one fails here by name instead of quietly turning a
redirect loop into a "refused".
"""

from __future__ import annotations

import gzip

import pytest
from loopback import Reply, Site, html, outlet, rss, run

from newsarchive.records import FetchOutcome
from newsarchive.spiders.outcomes import IGNORE_REASONS

CASES = {
    # marker of IGNORE_REASONS -> the path of the loopback site that makes Scrapy say it
    "max redirections reached": "/a/loop-1.html",
    "DOWNLOAD_MAXSIZE": "/a/bomb.html",
}


def test_every_matched_message_has_a_case() -> None:
    assert set(CASES) == {marker for marker, _ in IGNORE_REASONS}


def _routes(site: Site) -> None:
    site.route("/a/loop-1.html", lambda _s: Reply(302, b"", [("Location", "/a/loop-2.html")]))
    site.route("/a/loop-2.html", lambda _s: Reply(302, b"", [("Location", "/a/loop-1.html")]))
    bomb = gzip.compress(html("Bomb", "y" * 2_000_000).encode())
    site.route(
        "/a/bomb.html",
        lambda _s: Reply(200, bomb, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]),
    )
    site.page("/private/a.html", html("Disallowed by the fixture's robots.txt"))


@pytest.mark.parametrize(("marker", "outcome"), IGNORE_REASONS)
def test_scrapy_still_words_its_refusal_as_the_table_expects(
    site: Site, mode: str, marker: str, outcome: FetchOutcome
) -> None:
    _routes(site)
    path = CASES[marker]
    records, _ = run([outlet(site, "feed", rss(site, [path]))], mode, max_size=100_000)

    (record,) = [r for r in records if r.url == site.url(path)]
    assert marker in (record.error or ""), (
        f"Scrapy no longer says {marker!r} here (it said {record.error!r}): "
        "update IGNORE_REASONS in spiders/outcomes.py"
    )
    assert record.outcome is outcome
    assert site.origin not in (record.error or "")  # the fetch is filed under its URL already


def test_a_page_announcing_more_than_the_limit_is_too_large_and_named_once(site: Site) -> None:
    """Scrapy's message names the URL it downloaded from: a rerouted crawl's stand-in."""
    body = html("Long story", "z" * 200_000).encode()
    site.route("/a/long.html", lambda _s: Reply(200, body, [("Content-Type", "text/html")]))
    records, _ = run([outlet(site, "feed", rss(site, ["/a/long.html"]))], max_size=100_000)
    (record,) = [r for r in records if r.url == site.url("/a/long.html")]
    assert record.outcome is FetchOutcome.TOO_LARGE
    assert f"{len(body)} bytes" in (record.error or "") and "100000" in (record.error or "")
    assert site.origin not in (record.error or "") and "<GET" not in (record.error or "")


def test_any_other_ignored_request_is_refused(site: Site) -> None:
    _routes(site)
    records, _ = run([outlet(site, "feed", rss(site, ["/private/a.html"]))])
    (record,) = [r for r in records if r.url == site.url("/private/a.html")]
    assert record.outcome is FetchOutcome.REFUSED
    assert "robots.txt" in (record.error or "")
