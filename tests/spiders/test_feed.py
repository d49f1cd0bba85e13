"""Feed discovery (RSS 2.0 and Atom) against a loopback site."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from loopback import UA, Site, html, outlet, run

from newsarchive.records import FetchOutcome
from newsarchive.spiders.dates import parse_rfc822
from newsarchive.spiders.documents import pace

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Test</title>
<item><title>First story</title><link>{o}/news/1.html?utm_source=rss&amp;utm_medium=feed</link>
<pubDate>Mon, 23 Feb 2026 10:00:00 +0300</pubDate></item>
<item><title>Second story</title><link>{o}/news/2.html</link>
<pubDate>Tue, 24 Feb 2026 08:30:00 GMT</pubDate></item>
<item><title>Same as first</title><link>{o}/news/1.html#comments</link></item>
<item><title>Elsewhere</title><link>http://elsewhere.invalid/news/3.html</link></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Test</title>
<entry><title>Atom story</title><link rel="alternate" href="{o}/news/a.html"/>
<link rel="enclosure" href="{o}/media/a.jpg"/>
<published>2026-02-23T07:00:00Z</published><updated>2026-02-24T09:15:00+02:00</updated></entry>
</feed>"""


def test_rss_items_fetched_once_each_with_feed_evidence(site: Site, mode: str) -> None:
    site.page("/feed.xml", RSS.format(o=site.origin), "application/rss+xml")
    site.page("/news/1.html", html("First story"))
    site.page("/news/2.html", html("Second story"))
    records, stats = run([outlet(site, "feed", "/feed.xml")], mode)

    assert sorted(r.url for r in records) == [site.url("/news/1.html"), site.url("/news/2.html")]
    assert all(r.outcome is FetchOutcome.FETCHED for r in records)
    first = next(r for r in records if r.url.endswith("/1.html"))
    assert first.discovery is not None
    assert first.discovery.via == "feed"
    assert first.discovery.title == "First story"
    assert first.discovery.published == datetime(2026, 2, 23, 7, 0, tzinfo=UTC)
    assert first.capture is not None
    assert first.capture.body.startswith(b"<!doctype html>")
    assert ("User-Agent", UA) in first.capture.request_headers
    # the tracking-parameter variant and the fragment variant collapse to one fetch
    assert site.paths().count("/news/1.html") == 1
    assert not any("utm_" in path for path in site.paths())
    # four items, three distinct articles: two fetched, the off-site one counted as skipped
    assert stats["testsite"].discovered == 3
    assert stats["testsite"].skipped == {"off-site": 1}
    assert stats["testsite"].fetched == 2
    # the server saw our User-Agent on every request, robots.txt first
    assert site.requests[0].path == "/robots.txt"
    assert {seen.headers["User-Agent"] for seen in site.requests} == {UA}


def test_atom_entries_keep_published_and_updated(site: Site) -> None:
    site.page("/atom.xml", ATOM.format(o=site.origin), "application/atom+xml")
    site.page("/news/a.html", html("Atom story"))
    records, _ = run([outlet(site, "feed", "/atom.xml")])

    assert [r.url for r in records] == [site.url("/news/a.html")]
    discovery = records[0].discovery
    assert discovery is not None
    assert discovery.title == "Atom story"
    assert discovery.published == datetime(2026, 2, 23, 7, 0, tzinfo=UTC)
    assert discovery.modified == datetime(2026, 2, 24, 7, 15, tzinfo=UTC)
    assert "/media/a.jpg" not in site.paths()


POISONED_RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Test</title>
<item><title>Dated after the calendar</title><link>{o}/news/beyond.html</link>
<pubDate>Fri, 31 Dec 9999 23:59:59 -1400</pubDate></item>
<item><title>Dated nowhere</title><link>{o}/news/garbled.html</link>
<pubDate>the 32nd of Smarch</pubDate></item>
<item><title>Well dated</title><link>{o}/news/fine.html</link>
<pubDate>Tue, 24 Feb 2026 08:30:00 GMT</pubDate></item>
</channel></rss>"""

POISONED_ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Test</title>
<entry><title>After the calendar</title><link rel="alternate" href="{o}/news/late.html"/>
<published>9999-12-31T23:59:59-14:00</published><updated>0001-01-01T00:00:00+14:00</updated>
</entry></feed>"""


def test_a_date_out_of_range_costs_only_that_date(site: Site, mode: str) -> None:
    """Dates with no UTC instant (or none at all) leave their entries, and the feed, standing."""
    site.page("/feed.xml", POISONED_RSS.format(o=site.origin), "application/rss+xml")
    site.page("/atom.xml", POISONED_ATOM.format(o=site.origin), "application/atom+xml")
    for name in ("beyond", "garbled", "fine", "late"):
        site.page(f"/news/{name}.html", html(name))
    records, stats = run(
        [outlet(site, "feed", "/feed.xml"), outlet(site, "feed", "/atom.xml", name="atomsite")],
        mode,
    )

    dated = {r.url.rsplit("/", 1)[1]: r.discovery for r in records}
    assert set(dated) == {"beyond.html", "garbled.html", "fine.html", "late.html"}
    assert all(r.outcome is FetchOutcome.FETCHED for r in records)
    for name in ("beyond.html", "garbled.html", "late.html"):
        evidence = dated[name]
        assert evidence is not None and evidence.published is None and evidence.modified is None
    fine = dated["fine.html"]
    assert fine is not None and fine.published == datetime(2026, 2, 24, 8, 30, tzinfo=UTC)
    assert stats["testsite"].discovered == 3 and stats["atomsite"].discovered == 1


@pytest.mark.parametrize(
    ("written", "year"),
    [
        ("Mon, 01 Jan 0001 00:00:00 +0000", 1),  # as written: not 2001
        ("Fri, 01 Jan 0099 00:00:00 GMT", 99),  # not 1999
        ("Mon, 01 Jan 01 00:00:00 +0000", 2001),  # two digits: RFC 5322's reading
        ("Tue, 24 Feb 2026 08:30:00 GMT", 2026),
    ],
)
def test_a_pubdate_year_is_read_as_written(written: str, year: int) -> None:
    parsed = parse_rfc822(written)
    assert parsed is not None and parsed.year == year


def test_a_feed_tells_the_pace_of_its_articles_by_their_dates() -> None:
    hour = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    assert pace([hour, hour + timedelta(minutes=30), hour + timedelta(hours=1), None]) == 2.0
    assert pace([hour, hour + timedelta(hours=1)]) is None  # too few to tell
    midnights = [datetime(2026, 12, d, tzinfo=UTC) for d in range(1, 6)]
    assert pace(midnights) is None  # bare dates say nothing of the hour
    assert pace([hour.replace(tzinfo=None)] * 3) is None


def test_a_polled_feed_reports_the_pace_its_dates_show(site: Site) -> None:
    items = "".join(
        f"<item><link>{site.url(f'/a/{n}')}</link>"
        f"<pubDate>Mon, 07 Dec 2026 {10 + n // 4:02d}:{n % 4 * 15:02d}:00 GMT</pubDate></item>"
        for n in range(9)
    )
    site.page("/paced.xml", f'<rss version="2.0"><channel>{items}</channel></rss>', "text/xml")
    for n in range(9):
        site.page(f"/a/{n}", html(f"Story {n}", f"Story {n} of a busy desk. " * 20))
    _, stats = run([outlet(site, "feed", "/paced.xml")])
    (check,) = stats["testsite"].documents
    assert check.listed == 9 and check.listed_per_hour == 4.0  # 9 over 2 hours
