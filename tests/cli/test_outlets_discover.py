"""Outlets from homepages and lists: ``outlets discover`` and ``outlets import`` end to end.

Each simulated news site is a loopback server of its own address (127.5.0.x), asked by
the real command in a child process, as an operator would.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error

from newsarchive.replay.server import LoopbackServer
from newsarchive.spiders.outlets import OutletKind, load_outlets, parse_outlets

pytestmark = pytest.mark.timeout(300)

UA = "newsarchive-discover-test/1.0 (+https://example.org/contact)"
ENV = {"NEWSARCHIVE_USER_AGENT": UA}
NOW = datetime.now(UTC)
WORDS = [
    "council",
    "budget",
    "river",
    "harbour",
    "election",
    "teacher",
    "market",
    "railway",
    "drought",
    "festival",
    "court",
    "minister",
    "hospital",
    "bridge",
    "farmers",
    "strike",
    "museum",
    "coast",
    "senate",
    "factory",
    "storm",
    "league",
]


def _story(n: int) -> str:
    """Paragraphs of their own for article ``n``: the archive files copies as duplicates."""
    pick = random.Random(n).sample
    return "".join(f"<p>The {' '.join(pick(WORDS, 12))} story went on.</p>" for _ in range(12))


def _article_paths(count: int) -> list[str]:
    return [f"/news/{(NOW - timedelta(days=n)):%Y/%m}/story-{n}/" for n in range(count)]


def _articles(site: LoopbackServer, paths: list[str]) -> None:
    for n, path in enumerate(paths):
        site.page(
            path,
            f"<!doctype html><html><head><title>Story {n}</title></head>"
            f"<body><article><h1>Story {n}</h1>{_story(n)}</article></body></html>",
        )


def _rss(site: LoopbackServer, path: str, paths: list[str]) -> None:
    items = "".join(
        f"<item><title>Story {n}</title><link>{site.url(p)}</link>"
        f"<pubDate>{NOW - timedelta(hours=n):%a, %d %b %Y %H:%M:%S +0000}</pubDate></item>"
        for n, p in enumerate(paths)
    )
    rss = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
    site.page(path, rss, "application/rss+xml")


def _urlset(site: LoopbackServer, path: str, paths: list[str], *, news: bool) -> None:
    def entry(n: int, p: str) -> str:
        when = (NOW - timedelta(hours=n)).isoformat(timespec="seconds")
        extra = (
            f"<news:news><news:publication><news:name>Daily</news:name>"
            f"<news:language>en</news:language></news:publication>"
            f"<news:publication_date>{when}</news:publication_date>"
            f"<news:title>Story {n}</news:title></news:news>"
            if news
            else f"<lastmod>{when}</lastmod>"
        )
        return f"<url><loc>{site.url(p)}</loc>{extra}</url>"

    site.page(
        path,
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        + "".join(entry(n, p) for n, p in enumerate(paths))
        + "</urlset>",
        "application/xml",
    )


def _home(site: LoopbackServer, head: str = "") -> None:
    site.page("/", f"<!doctype html><html><head><title>Home</title>{head}</head><body/></html>")


@pytest.fixture
def feed_site() -> Iterator[LoopbackServer]:
    """A homepage whose <link rel=alternate> names its RSS feed."""
    with LoopbackServer(host="127.5.0.1") as site:
        _home(site, '<link rel="alternate" type="application/rss+xml" href="/rss/main.xml">')
        paths = _article_paths(6)
        _rss(site, "/rss/main.xml", paths)
        _articles(site, paths)
        yield site


@pytest.fixture
def robots_site() -> Iterator[LoopbackServer]:
    """robots.txt names a sitemap index (misspelt ``Site-map:``) with a news sitemap in it,
    and disallows the path of a feed the homepage links."""
    with LoopbackServer(host="127.5.0.2") as site:
        site.page(
            "/robots.txt",
            "User-agent: *\nDisallow: /private/\nSite-map: /maps/index.xml\n",
            "text/plain",
        )
        _home(site, '<link rel="alternate" type="application/atom+xml" href="/private/feed">')
        children = "".join(
            f"<sitemap><loc>{site.url(p)}</loc></sitemap>"
            for p in ("/maps/posts.xml", "/maps/google-news.xml")
        )
        site.page(
            "/maps/index.xml",
            '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{children}</sitemapindex>",
            "application/xml",
        )
        paths = _article_paths(8)
        _urlset(site, "/maps/posts.xml", paths, news=False)
        _urlset(site, "/maps/google-news.xml", paths[:5], news=True)
        yield site


@pytest.fixture
def news_site() -> Iterator[LoopbackServer]:
    """Nothing names anything: only a news sitemap at its usual location."""
    with LoopbackServer(host="127.5.0.3") as site:
        _home(site)
        paths = [f"/{(NOW - timedelta(hours=n)):%Y%m%d}/report-{n}.html" for n in range(5)]
        _urlset(site, "/news-sitemap.xml", paths, news=True)
        _articles(site, paths)
        yield site


@pytest.fixture
def empty_site() -> Iterator[LoopbackServer]:
    with LoopbackServer(host="127.5.0.4") as site:
        _home(site)
        yield site


def test_a_feed_linked_from_the_homepage_becomes_a_feed_outlet(  # type: ignore[no-untyped-def]
    run_cli, feed_site: LoopbackServer
) -> None:
    result = run_cli("outlets", "discover", feed_site.url("/"), "--delay", "0", env=ENV)
    assert result.returncode == 0, result.stderr
    (outlet,) = parse_outlets(result.stdout, "stdout")
    assert outlet.kind is OutletKind.FEED
    assert outlet.start_urls == (feed_site.url("/rss/main.xml"),)
    assert outlet.allowed_domains == ("127.5.0.1",)
    assert outlet.article_pattern is not None
    assert all(outlet.matches_article(feed_site.url(p)) for p in _article_paths(6))
    assert not outlet.matches_article(feed_site.url("/about/"))
    assert '<link rel="alternate"> of the page' in result.stdout  # the reason, as a comment
    assert "6 article-like, 6 from the last 7 days" in result.stdout
    requests = feed_site.requests
    assert {r.header("User-Agent") for r in requests} == {UA}
    assert "/robots.txt" in feed_site.paths() and "/sitemap.xml" in feed_site.paths()


def test_robots_sitemaps_are_read_and_the_news_sitemap_preferred(  # type: ignore[no-untyped-def]
    run_cli, robots_site: LoopbackServer
) -> None:
    result = run_cli("outlets", "discover", robots_site.url("/"), "--json", "--delay", "0", env=ENV)
    assert result.returncode == 0, result.stderr
    (found,) = [json.loads(line) for line in result.stdout.splitlines()]
    documents = {d["url"].removeprefix(robots_site.origin): d for d in found["documents"]}
    index = documents["/maps/index.xml"]
    assert (index["type"], index["listed"]) == ("sitemap-index", 2)
    assert index["found_by"] == ["a Sitemap: line of robots.txt"]
    assert documents["/maps/posts.xml"]["type"] == "urlset"
    assert documents["/maps/google-news.xml"]["type"] == "news-sitemap"
    assert documents["/maps/google-news.xml"]["sitemap_index"] == robots_site.url("/maps/index.xml")
    assert documents["/private/feed"]["type"] == "nothing"
    assert "robots.txt" in documents["/private/feed"]["problem"]
    assert "/private/feed" not in robots_site.paths()  # never asked: robots.txt forbids it
    outlet = found["outlet"]
    assert outlet["kind"] == "sitemap"
    assert outlet["start_urls"] == [robots_site.url("/maps/google-news.xml")]
    assert "news sitemap" in found["reasons"]["kind"][0]


def test_a_site_with_only_a_news_sitemap_is_found_at_the_usual_place(  # type: ignore[no-untyped-def]
    run_cli, news_site: LoopbackServer
) -> None:
    result = run_cli("outlets", "discover", news_site.url("/"), "--delay", "0", env=ENV)
    assert result.returncode == 0, result.stderr
    (outlet,) = parse_outlets(result.stdout, "stdout")
    assert (outlet.kind, outlet.start_urls) == (
        OutletKind.SITEMAP,
        (news_site.url("/news-sitemap.xml"),),
    )
    assert outlet.article_pattern == r"^https?://[^/]+/\d{8}/"
    assert "a usual location" in result.stdout


def test_a_site_with_nothing_to_find_is_one_line_and_exit_1(  # type: ignore[no-untyped-def]
    run_cli, empty_site: LoopbackServer
) -> None:
    result = run_cli("outlets", "discover", empty_site.url("/"), "--delay", "0", env=ENV)
    assert_one_line_error(result, 1, empty_site.url("/"), "no feed or sitemap found")
    assert result.stdout == ""


def test_discover_refuses_what_is_no_web_address(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert_one_line_error(run_cli("outlets", "discover", "ftp://x.org/"), 2, "not an http(s) URL")


def test_a_csv_list_becomes_an_outlets_file_that_crawls(  # type: ignore[no-untyped-def]
    run_cli, tmp_path: Path, feed_site: LoopbackServer, news_site: LoopbackServer
) -> None:
    sources = tmp_path / "sources.csv"
    sources.write_text(
        "name,url,collection,tags\n"
        f"Daily Feed,{feed_site.url('/rss/main.xml')},Nigeria News,national;english\n"
        f"Le Quotidien!,{news_site.url('/')},,wire|french\n"
        "Broken,ftp://example.org/,,\n"
        f"Daily Feed,{feed_site.url('/rss/main.xml')},,\n",
        encoding="utf-8",
    )
    written = tmp_path / "outlets.toml"
    result = run_cli("outlets", "import", str(sources), "-o", str(written), "--delay", "0", env=ENV)
    assert result.returncode == 0, result.stderr
    assert "row 4: url: not an http(s) URL: 'ftp://example.org/' (skipped)" in result.stderr
    feed, news, again = load_outlets(written)
    assert (feed.name, feed.kind, feed.collection) == (
        "daily-feed",
        OutletKind.FEED,
        "nigeria-news",
    )
    assert feed.tags == ("national", "english")
    assert feed.start_urls == (feed_site.url("/rss/main.xml"),)
    assert (news.name, news.kind, news.tags) == (
        "le-quotidien",
        OutletKind.SITEMAP,
        ("wire", "french"),
    )
    assert news.start_urls == (news_site.url("/news-sitemap.xml"),)
    assert again.name == "daily-feed-2"

    refused = run_cli("outlets", "import", str(sources), "-o", str(written), env=ENV)
    assert_one_line_error(refused, 2, "exists already (--force replaces it)")
    assert load_outlets(written)  # untouched

    shown = run_cli("outlets", "--outlets-file", str(written))
    assert shown.returncode == 0, shown.stderr
    assert [line.split()[0] for line in shown.stdout.splitlines()] == [
        "daily-feed",
        "le-quotidien",
        "daily-feed-2",
    ]
    crawled = run_cli(
        "crawl", "le-quotidien", "--outlets-file", str(written), "--json", env=ENV, timeout=240
    )
    assert crawled.returncode == 0, crawled.stderr
    (row,) = [json.loads(line) for line in crawled.stdout.splitlines()]
    assert row["new"] == 5, row
    listed = run_cli("list", "--outlet", "le-quotidien", "--json")
    urls = {json.loads(line)["url"] for line in listed.stdout.splitlines()}
    assert len(urls) == 5 and all(re.search(r"/\d{8}/report-\d\.html$", url) for url in urls)


def test_an_opml_list_keeps_its_folders_as_collections(  # type: ignore[no-untyped-def]
    run_cli, tmp_path: Path, feed_site: LoopbackServer, robots_site: LoopbackServer
) -> None:
    opml = tmp_path / "feeds.opml"
    opml.write_text(
        '<?xml version="1.0"?>\n<opml version="2.0"><head><title>Feeds</title></head><body>\n'
        '<outline text="West Africa">\n'
        f'  <outline type="rss" text="Daily" xmlUrl="{feed_site.url("/rss/main.xml")}"'
        f' htmlUrl="{feed_site.url("/")}" category="/News/Politics"/>\n'
        f'  <outline text="Robots Times" htmlUrl="{robots_site.url("/")}"/>\n'
        "</outline>\n"
        '<outline text="Nothing here"/>\n'
        "</body></opml>\n",
        encoding="utf-8",
    )
    result = run_cli("outlets", "import", str(opml), "--delay", "0", env=ENV)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "line 7: outline: no xmlUrl or htmlUrl (skipped)"
    daily, robots = parse_outlets(result.stdout, "stdout")
    assert (daily.name, daily.kind, daily.collection, daily.tags) == (
        "daily",
        OutletKind.FEED,
        "west-africa",
        ("Politics",),
    )
    assert (robots.name, robots.collection) == ("robots-times", "west-africa")
    assert robots.start_urls == (robots_site.url("/maps/google-news.xml"),)


def test_import_refuses_a_file_that_is_no_list(  # type: ignore[no-untyped-def]
    run_cli, tmp_path: Path
) -> None:
    sources = tmp_path / "sources.csv"
    sources.write_text("name,homepage\nA,https://a.example/\n", encoding="utf-8")
    assert_one_line_error(run_cli("outlets", "import", str(sources)), 2, "no 'url' column")
