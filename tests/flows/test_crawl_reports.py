"""A run whose outlet could not be crawled at all still reports, and says why."""

from __future__ import annotations

import asyncio

import pytest

from newsarchive.errors import StorageError
from newsarchive.flows.crawl import _as_report, domain_limit_names
from newsarchive.flows.pipeline import OutletReport
from newsarchive.spiders.outlets import Outlet

SPUTNIK = Outlet(
    name="sputnik",
    kind="feed",
    start_urls=("https://sputnikglobe.com/export/rss2/archive/index.xml",),
    allowed_domains=("sputnikglobe.com",),
)


def test_a_report_passes_through() -> None:
    report = OutletReport("sputnik", fetched=3)
    assert _as_report(SPUTNIK, report) is report


def test_a_crashed_crawl_becomes_one_listed_failure() -> None:
    report = _as_report(SPUTNIK, StorageError("catalog write failed: disk full\ndetails"))
    assert report.row()["failed"] == 1
    assert report.failures == [
        (SPUTNIK.start_urls[0], "crawl failed: catalog write failed: disk full")
    ]


def test_a_cancelled_crawl_is_not_reported_but_raised() -> None:
    with pytest.raises(asyncio.CancelledError):
        _as_report(SPUTNIK, asyncio.CancelledError())


def test_domain_limits_cover_start_and_allowed_hosts() -> None:
    outlet = SPUTNIK.model_copy(update={"allowed_domains": ("sputnikglobe.com", "cdn.sputnik")})
    assert domain_limit_names(outlet) == ["domain-cdn.sputnik", "domain-sputnikglobe.com"]
