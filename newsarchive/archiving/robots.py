"""The robots.txt files a crawl reads from the archive instead of asking the hosts again.

Before a crawl each outlet's memory gets the copies, downloaded within the
day RFC 9309 allows, of the origins its crawl asks: those of its start URLs,
its known discovery documents and its due revisits, and its allowed domains
over http and https (articles often live on another host than the feed).
After the crawl, the copies it downloaded are kept with its polls
(:func:`newsarchive.archiving.fleet.settle`), for the next day's crawls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from newsarchive.archiving.report import OutletReport
from newsarchive.records import OutletMemory, RobotsFile
from newsarchive.spiders.outlets import Outlet
from newsarchive.spiders.robots import MAX_AGE, robots_location
from newsarchive.storage import Archive


def locations(outlet: Outlet, memory: OutletMemory) -> set[str]:
    """The origins whose robots.txt the outlet's crawl will want first."""
    urls = [*outlet.start_urls, *(known.url for known in memory.documents), *memory.revisits]
    domains = [f"{scheme}://{d}" for d in outlet.allowed_domains for scheme in ("http", "https")]
    return {robots_location(url) for url in [*urls, *domains]}


def with_robots(
    archive: Archive,
    outlets: Sequence[Outlet],
    memory: Mapping[str, OutletMemory],
    now: datetime,
) -> dict[str, OutletMemory]:
    """Each outlet's memory with the fresh robots.txt copies of its origins, read at once.

    A copy goes with the first outlet that wants it only: the crawl reads
    them all as one table, and a host shared by a hundred outlets would
    otherwise cross to the crawl child a hundred times.
    """
    wanted = {o.name: locations(o, memory.get(o.name) or OutletMemory()) for o in outlets}
    kept = archive.robots_files(set().union(*wanted.values()), now - MAX_AGE)
    given: dict[str, OutletMemory] = {}
    for name, places in wanted.items():
        mine = sorted(place for place in places if place in kept)
        given[name] = replace(
            memory.get(name) or OutletMemory(), robots=tuple(kept.pop(p) for p in mine)
        )
    return given


def downloaded(reports: Mapping[str, OutletReport]) -> list[RobotsFile]:
    """The robots.txt files a run's crawl downloaded, to be kept."""
    return [copy for report in reports.values() if report.crawl for copy in report.crawl.robots]
