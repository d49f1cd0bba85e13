"""A run of an outlet of slow pages, cut by the crawl deadline: filed, reported, site free."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from datetime import timedelta

import pytest
from loopback import Reply, Seen, Site, html, options, outlet, rss

from newsarchive.archiving.report import OutletReport
from newsarchive.archiving.run import archive_outlets
from newsarchive.archiving.sites import holding_sites, site_names
from newsarchive.records import ArchiveOutcome
from newsarchive.spiders.outlets import Outlet
from newsarchive.spiders.runner import CrawlOptions
from newsarchive.storage import Archive, Holder

ARTICLES = 12
DEADLINE = 3.0


async def crawl_holding_the_site(
    archive: Archive, crawled: Outlet, opts: CrawlOptions
) -> OutletReport:
    """What a flow's task does: hold the outlet's sites while its crawl runs."""
    async with holding_sites(archive, site_names(crawled)):
        reports = await archive_outlets([crawled], archive, opts)
    return reports[crawled.name]


@pytest.mark.timeout(120)
def test_a_crawl_cut_by_the_deadline_files_what_it_fetched_says_so_and_frees_the_site(
    archive: Archive,
) -> None:
    def slow(seen: Seen) -> Reply:
        time.sleep(1.0)
        return Reply(200, html(f"Story {seen.path}", f"The text of {seen.path}.").encode())

    with Site() as site:
        site.page("/robots.txt", "User-agent: *\n", "text/plain")
        paths = [f"/a/{n}.html" for n in range(ARTICLES)]
        for path in paths:
            site.route(path, slow)
        crawled = outlet(site, "feed", rss(site, paths), concurrency=1)
        opts = dataclasses.replace(options(), deadline=DEADLINE)
        report = asyncio.run(crawl_holding_the_site(archive, crawled, opts))
        sent = [path for path in site.paths() if path.startswith("/a/")]

    assert 1 <= len(sent) < ARTICLES
    assert sorted(report.urls(ArchiveOutcome.NEW)) == sorted(site.url(p) for p in sent)
    assert report.fetched == len(sent)  # their rows were written
    assert report.failure() is None
    left = ARTICLES - len(sent)
    assert report.warning() == (
        f"cut by the crawl deadline (NEWSARCHIVE_CRAWL_DEADLINE): {left} request(s) left unsent"
    )
    assert report.counts().skipped == left  # every discovered URL still ends in one column
    assert report.counts().discovered == ARTICLES
    # The site's lease went with the crawl: another holder takes it at once.
    assert (
        archive.try_lease(site_names(crawled), Holder.this_process(), timedelta(minutes=1)) is None
    )
