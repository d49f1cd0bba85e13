"""What ``crawl`` prints of an outlet whose discovery documents failed or listed nothing.

A real crawl of a loopback site into a real archive, summed up as the crawl
flow does, then printed by the command's own reporting, as rows and as JSON.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from loopback import Site, html, options, outlet

from newsarchive.archiving.report import OutletRun
from newsarchive.archiving.run import archive_outlets
from newsarchive.cli.crawl_cmds import _report
from newsarchive.config import Settings
from newsarchive.storage import Archive

URLSET = """<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{urls}</urlset>"""


@pytest.fixture
def crawled(tmp_path: Path) -> tuple[str, list[OutletRun]]:
    """The site's origin, and the summary of a sitemap outlet with three start URLs: one fine,
    one that lists nothing, one that is not there."""
    with Site() as site:
        site.page("/robots.txt", "User-agent: *\n", "text/plain")
        site.page("/sitemap.xml", URLSET.format(urls=f"<url><loc>{site.url('/a/1')}</loc></url>"))
        site.page("/news.xml", URLSET.format(urls=""), "application/xml")
        site.page("/a/1", html("One"))
        settings = Settings(home=tmp_path / "archive")
        with Archive.open(settings.database_url, settings.store_url) as archive:
            fine = outlet(site, "sitemap", ["/sitemap.xml", "/news.xml", "/gone.xml"])
            reports = asyncio.run(archive_outlets([fine], archive, options()))
        origin = site.origin
    return origin, [report.summary() for report in reports.values()]


def test_the_rows_name_each_document_and_why(
    crawled: tuple[str, list[OutletRun]], capsys: pytest.CaptureFixture[str]
) -> None:
    origin, summaries = crawled
    assert summaries[0].counts.new == 1
    _report(summaries, as_json=False)  # a warning is no failure: no exit 1
    out = capsys.readouterr().out
    assert "testsite needs a look: 2 of 3 discovery documents failed or listed nothing" in out
    assert f"  testsite  {origin}/news.xml  listed nothing" in out
    assert f"  testsite  {origin}/gone.xml  answered HTTP 404" in out


def test_json_names_each_document_and_why(
    crawled: tuple[str, list[OutletRun]], capsys: pytest.CaptureFixture[str]
) -> None:
    origin, summaries = crawled
    _report(summaries, as_json=True)
    row = json.loads(capsys.readouterr().out)
    assert row["status"] == "warning" and row["reason"] is None
    assert sorted(row["documents"], key=lambda d: d["url"]) == [
        {"url": f"{origin}/gone.xml", "reason": "answered HTTP 404"},
        {"url": f"{origin}/news.xml", "reason": "listed nothing"},
    ]
