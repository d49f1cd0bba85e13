"""Sitemap discovery: index -> urlsets (plain and gzip), news sitemap evidence."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

from loopback import Site, html, outlet, run

from newsarchive.records import FetchOutcome

INDEX = """<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{o}/sitemap-news.xml</loc></sitemap>
<sitemap><loc>{o}/sitemap-2026-02.xml.gz</loc><lastmod>2026-02-28</lastmod></sitemap>
</sitemapindex>"""

NEWS = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>{o}/2026/02/fresh-story/</loc>
  <news:news><news:publication><news:name>Test</news:name><news:language>en</news:language>
  </news:publication><news:publication_date>2026-02-23T10:20:00+01:00</news:publication_date>
  <news:title>Fresh story</news:title></news:news></url>
<url><loc>{o}/tag/politics/</loc></url>
</urlset>"""

MONTH = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{o}/2026/02/older-story/</loc><lastmod>2026-02-01T08:00:00Z</lastmod></url>
<url><loc>{o}/2026/02/fresh-story/?utm_campaign=sitemap</loc></url>
</urlset>"""


def test_index_news_and_gzip_urlsets(site: Site, mode: str) -> None:
    site.page("/sitemap.xml", INDEX.format(o=site.origin), "application/xml")
    site.page("/sitemap-news.xml", NEWS.format(o=site.origin), "application/xml")
    site.page(
        "/sitemap-2026-02.xml.gz",
        gzip.compress(MONTH.format(o=site.origin).encode()),
        "application/x-gzip",
    )
    site.page("/2026/02/fresh-story/", html("Fresh story"))
    site.page("/2026/02/older-story/", html("Older story"))
    records, stats = run(
        [outlet(site, "sitemap", "/sitemap.xml", article_pattern=r"/\d{4}/\d{2}/")], mode
    )

    by_url = {r.url: r for r in records}
    assert set(by_url) == {site.url("/2026/02/fresh-story/"), site.url("/2026/02/older-story/")}
    assert all(r.outcome is FetchOutcome.FETCHED for r in records)
    fresh = by_url[site.url("/2026/02/fresh-story/")].discovery
    assert fresh is not None
    assert fresh.via == "news-sitemap"
    assert fresh.title == "Fresh story"
    assert fresh.published == datetime(2026, 2, 23, 9, 20, tzinfo=UTC)
    older = by_url[site.url("/2026/02/older-story/")].discovery
    assert older is not None
    assert older.via == "sitemap"
    assert older.modified == datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
    assert "/tag/politics/" not in site.paths()  # filtered by article_pattern
    assert site.paths().count("/2026/02/fresh-story/") == 1
    # the tag page is listed, so discovered, and counted as skipped by the article pattern
    assert stats["testsite"].discovered == 3
    assert stats["testsite"].skipped == {"out-of-pattern": 1}


POISONED = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>{o}/2026/02/first/</loc><lastmod>0001-01-01T00:00:00+14:00</lastmod></url>
<url><loc>{o}/2026/02/second/</loc>
  <news:news><news:publication><news:name>Test</news:name><news:language>en</news:language>
  </news:publication><news:publication_date>9999-12-31T23:59:59-14:00</news:publication_date>
  <news:title>Second</news:title></news:news></url>
<url><loc>{o}/2026/02/third/</loc><lastmod>2026-02-01T08:00:00Z</lastmod></url>
</urlset>"""


def test_a_date_out_of_range_costs_only_that_date(site: Site, mode: str) -> None:
    site.page("/sitemap.xml", POISONED.format(o=site.origin), "application/xml")
    for name in ("first", "second", "third"):
        site.page(f"/2026/02/{name}/", html(name))
    records, stats = run([outlet(site, "sitemap", "/sitemap.xml")], mode)

    dated = {r.url.rstrip("/").rsplit("/", 1)[1]: r.discovery for r in records}
    assert set(dated) == {"first", "second", "third"}
    for name in ("first", "second"):
        evidence = dated[name]
        assert evidence is not None and evidence.published is None and evidence.modified is None
    third = dated["third"]
    assert third is not None and third.modified == datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
    assert stats["testsite"].discovered == 3 and stats["testsite"].fetched == 3
