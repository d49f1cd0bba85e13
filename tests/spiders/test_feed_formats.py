"""Every feed format in use, and the defects of real feeds, crawled from a loopback site."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

from loopback import Site, html, outlet, run

from newsarchive.records import FetchOutcome

RSS_10 = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="{o}/rss10.rdf"><title>Test</title><link>{o}/</link>
  <items><rdf:Seq><rdf:li rdf:resource="{o}/news/r1.html"/><rdf:li rdf:resource="{o}/news/r2.html"/>
  </rdf:Seq></items></channel>
<item rdf:about="{o}/news/r1.html"><title>First RDF story</title><link>{o}/news/r1.html</link>
  <dc:date>2026-02-23T07:00:00Z</dc:date></item>
<item rdf:about="{o}/news/r2.html"><title>Second RDF story</title></item>
</rdf:RDF>"""

RSS_090 = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://my.netscape.com/rdf/simple/0.9/">
<channel><title>Test</title><link>{o}/</link></channel>
<item><title>Old story</title><link>{o}/news/n1.html</link></item>
</rdf:RDF>"""

RSS_091 = """<?xml version="1.0"?>
<rss version="0.91"><channel><title>Test</title><link>{o}/</link>
<item><title>A 0.91 story</title><link>{o}/news/o1.html</link></item>
</channel></rss>"""

ATOM_03 = """<?xml version="1.0" encoding="utf-8"?>
<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Test</title>
<link rel="alternate" type="text/html" href="{o}/"/>
<entry><title>Atom 0.3 story</title>
  <link rel="service.edit" type="application/atom+xml" href="{o}/api/edit/3"/>
  <link rel="alternate" type="text/html" href="{o}/news/a03.html"/>
  <issued>2026-02-23T07:00:00Z</issued><modified>2026-02-24T09:15:00+02:00</modified></entry>
</feed>"""

PLANET = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Planet</title>
<entry><title>Copied from a blog</title>
  <source><title>The blog</title><link rel="alternate" href="{o}/blog/"/>
    <link rel="self" href="{o}/blog/atom.xml"/></source>
  <link rel="alternate" href="{o}/news/copied.html"/>
  <updated>2026-02-24T09:15:00Z</updated></entry>
</feed>"""

STRAY_AMPERSAND = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>News & Politics</title>
<item><title>Tom &amp; Jerry&nbsp;win</title><link>{o}/story?id=7&amp;cat=2</link></item>
</channel></rss>"""


def _pages(site: Site, *names: str) -> None:
    for name in names:
        site.page(f"/news/{name}.html", html(name))


def test_rss_10_090_and_091_feeds_give_their_items(site: Site, mode: str) -> None:
    site.page("/rss10.rdf", RSS_10.format(o=site.origin), "application/rdf+xml")
    site.page("/rss090.rdf", RSS_090.format(o=site.origin), "application/rdf+xml")
    site.page("/rss091.xml", RSS_091.format(o=site.origin), "application/rss+xml")
    _pages(site, "r1", "r2", "n1", "o1")
    records, stats = run(
        [
            outlet(site, "feed", "/rss10.rdf"),
            outlet(site, "feed", "/rss090.rdf", name="old"),
            outlet(site, "feed", "/rss091.xml", name="older"),
        ],
        mode,
    )

    by_url = {r.url: r for r in records}
    assert set(by_url) == {site.url(f"/news/{n}.html") for n in ("r1", "r2", "n1", "o1")}
    assert all(r.outcome is FetchOutcome.FETCHED for r in records)
    first = by_url[site.url("/news/r1.html")].discovery
    assert first is not None and first.title == "First RDF story"
    assert first.published == datetime(2026, 2, 23, 7, 0, tzinfo=UTC)  # dc:date
    # an RSS 1.0 item without a link is named by its rdf:about
    assert stats["testsite"].discovered == 2
    assert [c.entries for c in stats["testsite"].documents] == [2]


def test_atom_03_entries_and_their_dates(site: Site) -> None:
    site.page("/atom03.xml", ATOM_03.format(o=site.origin), "application/atom+xml")
    _pages(site, "a03")
    records, _ = run([outlet(site, "feed", "/atom03.xml")])

    assert [r.url for r in records] == [site.url("/news/a03.html")]
    discovery = records[0].discovery
    assert discovery is not None and discovery.title == "Atom 0.3 story"
    assert discovery.published == datetime(2026, 2, 23, 7, 0, tzinfo=UTC)
    assert discovery.modified == datetime(2026, 2, 24, 7, 15, tzinfo=UTC)
    assert "/api/edit/3" not in site.paths()


def test_an_atom_entrys_source_link_is_not_the_article(site: Site) -> None:
    site.page("/planet.xml", PLANET.format(o=site.origin), "application/atom+xml")
    site.page("/blog/", html("The blog's home page"))
    _pages(site, "copied")
    records, _ = run([outlet(site, "feed", "/planet.xml")])

    assert [r.url for r in records] == [site.url("/news/copied.html")]
    assert "/blog/" not in site.paths()


def test_a_stray_ampersand_leaves_the_escaped_ones_standing(site: Site, mode: str) -> None:
    site.page("/feed.xml", STRAY_AMPERSAND.format(o=site.origin), "application/rss+xml")
    site.page("/story?cat=2&id=7", html("Story 7"))  # the canonical URL sorts the query
    records, _ = run([outlet(site, "feed", "/feed.xml")], mode)

    assert [r.outcome for r in records] == [FetchOutcome.FETCHED]
    assert records[0].url == site.url("/story?cat=2&id=7")
    assert records[0].discovery is not None
    assert records[0].discovery.title == "Tom & Jerry\xa0win"


def test_a_gzipped_feed_is_read_whatever_its_headers_say(site: Site) -> None:
    body = gzip.compress(RSS_091.format(o=site.origin).encode())
    site.page("/feed.xml.gz", body, "application/octet-stream")
    _pages(site, "o1")
    records, _ = run([outlet(site, "feed", "/feed.xml.gz")])

    assert [r.url for r in records] == [site.url("/news/o1.html")]
