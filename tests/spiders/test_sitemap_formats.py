"""Every form a sitemap outlet's documents take, real sites' defects, and the budget rule."""

from __future__ import annotations

import asyncio
import gzip
from dataclasses import replace

from loopback import Site, html, options, outlet, run

from newsarchive.records import DocumentFailure, Fetch, FetchOutcome, KnownDocument, OutletMemory
from newsarchive.spiders.runner import fetch_outlets
from newsarchive.spiders.sitemap import WELL_KNOWN

URLSET = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>"""


def urlset(site: Site, *paths: str) -> str:
    return URLSET.format(urls="".join(f"<url><loc>{site.url(p)}</loc></url>" for p in paths))


def articles(site: Site, *names: str) -> None:
    for name in names:
        site.page(f"/news/{name}/", html(name))


def fetched(records: list[Fetch]) -> list[str]:
    return sorted(r.url for r in records if r.outcome is FetchOutcome.FETCHED)


def test_robots_txt_as_a_start_url_names_the_sitemaps(site: Site, mode: str) -> None:
    origin = site.origin
    robots = (
        f"User-agent: *\nDisallow: /x/\n\nSitemap: {origin}/one.xml\nSite-map: {origin}/two.xml\n"
    )
    site.page("/robots.txt", robots, "text/plain")
    site.page("/one.xml", urlset(site, "/news/a/"), "application/xml")
    site.page("/two.xml", urlset(site, "/news/b/"), "application/xml")
    articles(site, "a", "b")
    records, stats = run([outlet(site, "sitemap", "/robots.txt")], mode)

    assert fetched(records) == [site.url("/news/a/"), site.url("/news/b/")]
    checks = {c.url: c for c in stats["testsite"].documents}
    assert checks[site.url("/robots.txt")].entries == 2


def test_a_site_root_reads_robots_txts_sitemaps_and_guesses_none(site: Site) -> None:
    site.page("/robots.txt", f"User-agent: *\nSitemap: {site.url('/s.xml')}\n", "text/plain")
    site.page("/s.xml", urlset(site, "/news/a/"), "application/xml")
    articles(site, "a")
    records, stats = run([outlet(site, "sitemap", "/")])

    assert fetched(records) == [site.url("/news/a/")]
    assert not set(WELL_KNOWN) & set(site.paths())
    assert stats["testsite"].documents_failed == 0


def test_a_site_root_without_sitemap_lines_finds_the_well_known_ones(site: Site) -> None:
    site.page("/news-sitemap.xml", urlset(site, "/news/a/"), "application/xml")
    articles(site, "a")
    records, stats = run([outlet(site, "sitemap", "/")])

    assert fetched(records) == [site.url("/news/a/")]
    assert set(WELL_KNOWN) <= set(site.paths())
    # the addresses guessed in vain are no failures, and no documents of the outlet's
    assert stats["testsite"].documents_failed == 0
    assert [c.url for c in stats["testsite"].documents] == [site.url("/news-sitemap.xml")]


def test_a_site_root_with_no_sitemap_anywhere_fails_once_saying_so(site: Site) -> None:
    site.page("/sitemap.xml", html("Not found, but answered 200"))
    _, stats = run([outlet(site, "sitemap", "/")])

    crawl = stats["testsite"]
    assert crawl.documents_failed == 1 and crawl.documents_read == 0
    [check] = crawl.documents
    assert check.url == site.url("/") and check.failure is DocumentFailure.GONE
    assert check.reason is not None and check.reason.startswith("no sitemap: robots.txt names none")


PLAIN = "{o}/news/a/\n\n  {o}/news/b/  \nnot a url\n{o}/news/c/ with words\n"

RSS_AS_SITEMAP = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>A</title><link>{o}/news/a/</link></item></channel></rss>"""

ATOM_AS_SITEMAP = """<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><title>B</title><link href="{o}/news/b/"/></entry></feed>"""


def test_plain_text_and_feeds_are_sitemaps_too(site: Site, mode: str) -> None:
    site.page("/sitemap.txt", PLAIN.format(o=site.origin), "text/plain")
    site.page("/rss.xml", RSS_AS_SITEMAP.format(o=site.origin), "application/rss+xml")
    site.page("/atom.xml", ATOM_AS_SITEMAP.format(o=site.origin), "application/atom+xml")
    articles(site, "a", "b")
    records, stats = run(
        [
            outlet(site, "sitemap", "/sitemap.txt"),
            outlet(site, "sitemap", ["/rss.xml", "/atom.xml"], name="feeds"),
        ],
        mode,
    )

    assert fetched([r for r in records if r.outlet == "testsite"]) == [
        site.url("/news/a/"),
        site.url("/news/b/"),
    ]
    assert fetched([r for r in records if r.outlet == "feeds"]) == [
        site.url("/news/a/"),
        site.url("/news/b/"),
    ]
    assert stats["testsite"].discovered == 2


def test_gzip_is_read_with_or_without_the_right_headers(site: Site) -> None:
    packed = gzip.compress(urlset(site, "/news/a/").encode())
    site.page("/plain.xml.gz", packed, "application/octet-stream")  # no encoding said
    site.page("/encoded.xml", packed, "application/xml", ("Content-Encoding", "gzip"))
    twice = gzip.compress(gzip.compress(urlset(site, "/news/b/").encode()))
    site.page("/twice.xml.gz", twice, "application/x-gzip", ("Content-Encoding", "gzip"))
    articles(site, "a", "b")
    records, stats = run(
        [outlet(site, "sitemap", ["/plain.xml.gz", "/encoded.xml", "/twice.xml.gz"])]
    )

    assert fetched(records) == [site.url("/news/a/"), site.url("/news/b/")]
    assert stats["testsite"].documents_read == 3 and stats["testsite"].documents_failed == 0


def test_a_cut_off_sitemap_gives_its_complete_entries_only(site: Site, mode: str) -> None:
    whole = urlset(site, "/news/a/", "/news/b/", "/news/page_2/")
    site.page("/sitemap.xml", whole[: whole.index("page_2") + len("page_")], "application/xml")
    articles(site, "a", "b")
    records, stats = run([outlet(site, "sitemap", "/sitemap.xml")], mode)

    assert fetched(records) == [site.url("/news/a/"), site.url("/news/b/")]
    assert not any("page_" in path for path in site.paths())
    assert stats["testsite"].discovered == 2


STRAY = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>{o}/news/a/</loc><news:news><news:publication><news:name>T</news:name>
  </news:publication><news:title>News & Politics</news:title></news:news></url>
<url><loc>{o}/story?id=7&amp;cat=2</loc></url>
<url><loc>   </loc></url>
<url><lastmod>2026-02-01</lastmod></url>
</urlset>"""


def test_a_stray_ampersand_and_entries_without_a_url(site: Site) -> None:
    site.page("/sitemap.xml", STRAY.format(o=site.origin), "application/xml")
    articles(site, "a")
    site.page("/story?cat=2&id=7", html("Story 7"))  # the canonical URL sorts the query
    records, stats = run([outlet(site, "sitemap", "/sitemap.xml")])

    assert fetched(records) == [site.url("/news/a/"), site.url("/story?cat=2&id=7")]
    news = next(r for r in records if r.url.endswith("/news/a/")).discovery
    assert news is not None and news.title == "News & Politics"
    assert stats["testsite"].discovered == 2  # the entries with no URL are no entries


def _index(site: Site, count: int, dated: bool) -> str:
    children = "".join(
        f"<sitemap><loc>{site.url(f'/sm-{n}.xml')}</loc>"
        + (f"<lastmod>2026-01-{n + 1:02d}T00:00:00Z</lastmod>" if dated else "")
        + "</sitemap>"
        for n in range(count)
    )
    return (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{children}</sitemapindex>"
    )


def test_a_large_index_is_read_newest_first_and_leaves_budget_for_articles(
    site: Site, mode: str
) -> None:
    site.page("/index.xml", _index(site, 30, dated=True), "application/xml")
    for n in range(30):
        site.page(f"/sm-{n}.xml", urlset(site, f"/news/{n}-1/", f"/news/{n}-2/"), "application/xml")
        articles(site, f"{n}-1", f"{n}-2")
    one_at_a_time = outlet(site, "sitemap", "/index.xml", max_pages=20, concurrency=1)
    records, stats = run([one_at_a_time], mode)

    read = [p for p in site.paths() if p.startswith("/sm-")]
    assert read == ["/sm-29.xml", "/sm-28.xml", "/sm-27.xml", "/sm-26.xml"]  # a fifth of 20
    assert len(fetched(records)) == 8  # every article the four newest children list
    crawl = stats["testsite"]
    assert crawl.pages_over_budget == 26


def test_an_undated_index_is_read_in_document_order(site: Site) -> None:
    site.page("/index.xml", _index(site, 10, dated=False), "application/xml")
    for n in range(10):
        site.page(f"/sm-{n}.xml", urlset(site, f"/news/{n}/"), "application/xml")
        articles(site, str(n))
    records, _ = run([outlet(site, "sitemap", "/index.xml", max_pages=10, concurrency=1)])

    assert [p for p in site.paths() if p.startswith("/sm-")] == ["/sm-0.xml", "/sm-1.xml"]
    assert fetched(records) == [site.url("/news/0/"), site.url("/news/1/")]


def test_a_poll_reads_robots_txt_whole_and_its_sitemaps_conditionally(site: Site) -> None:
    """robots.txt seldom changes while the sitemaps it names do: it is never asked for
    conditionally, so an unchanged robots.txt still leads to its sitemaps."""
    robots, sitemap = site.url("/robots.txt"), site.url("/s.xml")
    site.page("/robots.txt", f"User-agent: *\nSitemap: {sitemap}\n", "text/plain", ("ETag", '"r"'))
    site.page("/s.xml", urlset(site, "/news/a/"), "application/xml", ("ETag", '"s"'))
    memory = OutletMemory(documents=(KnownDocument(robots, '"r"'), KnownDocument(sitemap, '"s"')))
    stats = asyncio.run(
        fetch_outlets(
            [outlet(site, "sitemap", "/robots.txt")],
            options=replace(options(), polling=True),
            on_fetch=lambda _: None,
            memory={"testsite": memory},
        )
    )

    asked = [seen for seen in site.requests if seen.path in ("/robots.txt", "/s.xml")]
    assert all(seen.header("If-None-Match") is None for seen in asked if seen.path == "/robots.txt")
    assert [seen.header("If-None-Match") for seen in asked if seen.path == "/s.xml"] == ['"s"']
    checks = {check.url: check for check in stats["testsite"].documents}
    assert checks[robots].entries == 1 and checks[sitemap].unchanged
