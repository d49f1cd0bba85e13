"""Outages look like outages: an outlet that cannot be crawled fails, and says why.

Real crawls of a loopback site into a real archive: every URL a discovery
document lists ends in exactly one counted column, and an outlet fails only
when nothing of it could be crawled.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from loopback import Reply, Site, html, options, outlet, rss

from newsarchive.archiving.report import OutletReport
from newsarchive.archiving.run import archive_outlets
from newsarchive.config import Settings
from newsarchive.spiders.outlets import Outlet
from newsarchive.storage import Archive


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    settings = Settings(home=tmp_path / "archive")
    with Archive.open(settings.database_url, settings.store_url) as opened:
        yield opened


@pytest.fixture
def site() -> Iterator[Site]:
    with Site() as running:
        running.page("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
        yield running


def crawl(archive: Archive, *outlets: Outlet) -> dict[str, OutletReport]:
    return asyncio.run(archive_outlets(list(outlets), archive, options()))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends


def test_a_feed_answering_404_fails_the_outlet(archive: Archive, site: Site) -> None:
    (report,) = crawl(archive, outlet(site, "feed", "/gone.xml")).values()
    assert report.failure() == (
        f"no discovery document could be read ({site.url('/gone.xml')}: answered HTTP 404)"
    )


def test_an_unreachable_site_fails_the_outlet(archive: Archive, site: Site) -> None:
    unreachable = outlet(site, "feed", "/feed.xml").model_copy(
        update={"start_urls": (f"http://127.0.0.1:{closed_port()}/feed.xml",)}
    )
    (report,) = crawl(archive, unreachable).values()
    failure = report.failure() or ""
    assert failure.startswith("no discovery document could be read (http://127.0.0.1:")
    assert "refused" in failure.lower() or "connect" in failure.lower()


def test_a_page_that_is_no_feed_fails_the_outlet(archive: Archive, site: Site) -> None:
    site.page("/feed.xml", html("Our new home page"))
    (report,) = crawl(archive, outlet(site, "feed", "/feed.xml")).values()
    assert report.failure() == (
        f"no discovery document could be read ({site.url('/feed.xml')}: not an RSS or Atom feed)"
    )


def test_everything_refused_fails_the_outlet(archive: Archive, site: Site) -> None:
    for n in range(3):
        site.page(f"/private/{n}.html", html(f"Story {n}"))
    feed = rss(site, [f"/private/{n}.html" for n in range(3)])
    (report,) = crawl(archive, outlet(site, "feed", feed)).values()
    assert report.failure() == "none of the 3 discovered articles was archived (3 refused)"


def test_every_discovered_url_ends_in_one_counted_column(archive: Archive, site: Site) -> None:
    site.page("/a/ok.html", html("Fine story"))
    site.page("/a/pdf.html", b"%PDF-1.4", "application/pdf")
    site.route("/a/down.html", lambda _r: Reply(503, b"busy"))
    listed = [
        "/a/ok.html",
        "/a/ok.html?utm_source=feed",  # the same article again: one URL
        "/a/pdf.html",
        "/a/missing.html",
        "/a/down.html",
        "/private/a.html",
        "/about/us.html",  # out of the article pattern
        "http://elsewhere.example/a/1.html",  # off-site
        "/a/" + "x" * 3000 + ".html",  # longer than any server takes
        "http://[::1/a/broken.html",  # no URL at all
        *(f"/a/more-{n}.html" for n in range(4)),  # past the budget
    ]
    feed = rss(site, listed)
    crawled = outlet(site, "feed", feed, article_pattern=r"/a/|/private/", max_pages=7)
    (report,) = crawl(archive, crawled).values()
    counts = report.counts()
    archived = counts.new + counts.updated + counts.unchanged + counts.duplicate
    assert counts.discovered == len(listed) - 1
    assert archived + counts.skipped + counts.failed == counts.discovered
    assert report.skip_reasons() == {
        "not-html": 1,
        "refused": 1,
        "out-of-pattern": 1,
        "off-site": 1,
        "url-too-long": 1,
        "invalid-url": 1,
        "over-budget": 3,
    }
    # the budget of 7 requests: the feed, five articles above and more-0, which is missing
    assert sorted(report.failures) == [
        (site.url("/a/down.html"), "http-error: HTTP 503"),
        (site.url("/a/missing.html"), "http-error: HTTP 404"),
        (site.url("/a/more-0.html"), "http-error: HTTP 404"),
    ]
    assert report.failure() is None


SITEMAP = """<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{o}/fine.xml</loc></sitemap><sitemap><loc>{o}/gone.xml</loc></sitemap>
<sitemap><loc>{o}/empty.xml</loc></sitemap></sitemapindex>"""
URLSET = """<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{urls}</urlset>"""


def test_documents_that_failed_or_listed_nothing_are_named(archive: Archive, site: Site) -> None:
    """A child sitemap answering 404 and one listing nothing leave the outlet archived, with a
    warning that names both; so does a start URL that is no sitemap beside one that is."""
    site.page("/index.xml", SITEMAP.format(o=site.origin), "application/xml")
    site.page("/fine.xml", URLSET.format(urls=f"<url><loc>{site.url('/a/1')}</loc></url>"))
    site.page("/empty.xml", URLSET.format(urls=""), "application/xml")
    site.page("/a/1", html("One"))
    site.page("/home", html("A home page, not a sitemap"))
    (report,) = crawl(archive, outlet(site, "sitemap", ["/index.xml", "/home"])).values()

    run = report.summary().as_json()
    assert run["status"] == "warning" and run["reason"] is None and run["new"] == 1
    assert run["warning"] == "3 of 5 discovery documents failed or listed nothing"
    assert {d["url"]: d["reason"] for d in run["documents"]} == {
        site.url("/home"): "not a sitemap, a feed or robots.txt",
        site.url("/gone.xml"): "answered HTTP 404",
        site.url("/empty.xml"): "listed nothing",
    }


def test_an_outlet_whose_documents_list_no_article_is_a_warning(
    archive: Archive, site: Site
) -> None:
    rss(site, [])
    (report,) = crawl(archive, outlet(site, "feed", "/feed.xml")).values()

    run = report.summary()
    assert run.status == "warning" and run.reason is None
    assert run.warning == "its 1 discovery document(s) read listed no article"
    assert run.documents == ((site.url("/feed.xml"), "listed nothing"),)
