"""The whole path, fixture site to archive: crawl, extract, deduplicate, store, retrieve.

These run the Prefect-free core (``archive_outlets``) the flows wrap, on the
embedded defaults and on the scale-out pair (PostgreSQL and S3 over HTTP).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from newsarchive.archiving.plan import plan_outlets
from newsarchive.archiving.report import OutletReport
from newsarchive.archiving.run import archive_outlets
from newsarchive.config import Settings
from newsarchive.records import ArchiveOutcome
from newsarchive.replay import replayed
from newsarchive.replay.pages import default_pages_dir, load_pages
from newsarchive.replay.site import GONE_OUTLET, REPUBLISHED_OUTLET, UPDATE_SENTENCE, UPDATED_OUTLET
from newsarchive.spiders.settings import CrawlOptions
from newsarchive.storage import Archive

SEED_OUTLETS = ("joongang", "sputnik", "vanguard", "kcnawatch")


def expected_articles() -> dict[str, dict[str, str]]:
    """Live URL -> expected extraction of every seed outlet's fixture page."""
    found = {}
    for outlet in SEED_OUTLETS:
        for path in sorted((default_pages_dir() / outlet).glob("*.expected.json")):
            expected = json.loads(path.read_text(encoding="utf-8"))
            found[expected["url"]] = expected
    return found


def replay(archive: Archive, settings: Settings, day: int = 1) -> dict[str, OutletReport]:
    live = plan_outlets(settings)
    with replayed(live, CrawlOptions.from_settings(settings), day=day) as (outlets, options):
        return asyncio.run(archive_outlets(outlets, archive, options))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "archive", max_response_size=1024 * 1024)


@pytest.fixture
def archive(settings: Settings) -> Archive:
    opened = Archive.open(settings.database_url, settings.store_url)
    yield opened
    opened.close()


def test_first_replay_archives_every_seed_article_under_its_live_url(
    archive: Archive, settings: Settings
) -> None:
    reports = replay(archive, settings)
    expected = expected_articles()

    articles = {a.url: a for a in archive.list_articles()}
    assert set(articles) == set(expected)
    for url, article in articles.items():
        assert article.title == expected[url]["title"]
        assert article.outlet == expected[url]["outlet"]
        assert article.versions == 1 and article.duplicate_of is None
        text = archive.snapshot(url).text
        assert text.splitlines()[0] == expected[url]["body"][0]
    assert sum(r.counts().new for r in reports.values()) == len(expected)
    for name in SEED_OUTLETS:
        report = reports[name]
        counts = report.counts()
        assert report.failure() is None, (name, report.failure())
        # every discovered URL ends in exactly one column
        ended = counts.new + counts.updated + counts.unchanged + counts.duplicate
        assert ended + counts.skipped + counts.failed == counts.discovered, (name, counts)
        # the traps the crawler declines on purpose are skipped, the broken ones failed
        assert set(report.skip_reasons()) >= {"refused", "not-html", "too-large", "off-site"}
        failed = " ".join(reason for _, reason in report.failures)
        assert "redirect-loop" in failed and "HTTP 404" in failed, (name, failed)


def test_second_replay_is_conditional_and_changes_nothing(
    archive: Archive, settings: Settings
) -> None:
    replay(archive, settings)
    before = {a.url: (a.sha256, a.versions, a.last_seen) for a in archive.list_articles()}

    reports = replay(archive, settings)

    after = {a.url: (a.sha256, a.versions, a.last_seen) for a in archive.list_articles()}
    assert set(after) == set(before)
    for url, (sha, versions, last_seen) in after.items():
        assert (sha, versions) == before[url][:2]
        assert last_seen > before[url][2]
    counts = [r.counts() for r in reports.values()]
    assert sum(c.unchanged for c in counts) == len(before)
    assert sum(c.fetched for c in counts) == 0  # every article answered 304
    assert sum(c.new + c.updated + c.duplicate for c in counts) == 0


def test_next_day_adds_a_version_and_a_syndicated_duplicate(
    archive: Archive, settings: Settings
) -> None:
    replay(archive, settings)
    reports = replay(archive, settings, day=2)

    assert reports[UPDATED_OUTLET].counts().updated == 1
    (updated_url,) = reports[UPDATED_OUTLET].urls(ArchiveOutcome.UPDATED)
    history = archive.history(updated_url)
    assert [v.version for v in history] == [1, 2]
    assert UPDATE_SENTENCE not in archive.snapshot(updated_url, at=history[0].last_seen).text
    assert UPDATE_SENTENCE in archive.snapshot(updated_url).text

    # another outlet's text under a new URL of the republisher: archived, marked a duplicate
    assert reports[REPUBLISHED_OUTLET].counts().duplicate == 1
    (copy,) = [a for a in archive.list_articles(outlet=REPUBLISHED_OUTLET) if a.duplicate_of]
    assert copy.duplicate_of == updated_url  # the copied outlet's article
    assert archive.snapshot(copy.url).raw  # the republished page itself is kept

    # the page gone on day 2 brought this run no text, and is a capture of its article
    gone_url = load_pages()[GONE_OUTLET][-1].live_url
    assert dict(reports[GONE_OUTLET].failures)[gone_url] == "gone: HTTP 410"
    assert [v.version for v in archive.history(gone_url)] == [1]
    assert [(c.status, c.gone) for c in archive.captures(gone_url)] == [(200, False), (410, True)]
    assert reports[GONE_OUTLET].failure() is None  # one page gone does not fail the outlet


def test_replay_into_postgresql_and_s3(postgres_url: str, s3_bucket: str, tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path, database_url=postgres_url, store_url=f"s3://{s3_bucket}/archive"
    )
    with Archive.open(settings.database_url, settings.store_url) as archive:
        replay(archive, settings)
        replay(archive, settings, day=2)
        urls = {a.url for a in archive.list_articles()}
        assert set(expected_articles()) <= urls
        assert len(urls) == len(expected_articles()) + 1  # plus the republished copy
        report = archive.verify()
        assert report.checked > 0 and report.missing == [] and report.corrupted == []


def test_subprocess_mode_archives_the_same(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "archive", crawl_mode="subprocess")
    with Archive.open(settings.database_url, settings.store_url) as archive:
        reports = replay(archive, settings)
        assert {a.url for a in archive.list_articles()} == set(expected_articles())
        assert sum(r.counts().new for r in reports.values()) == len(expected_articles())
        assert all(r.counts().discovered > 0 for r in reports.values())
