"""Storage faults: S3 away mid-run, objects altered or missing, the catalog unreachable.

Each case ends the same way: nothing archived is lost or altered, nothing is
filed twice, ``verify`` says exactly what is wrong (or that nothing is), and
the next run completes.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from loopback import Site, html, rss
from proxy import OutageProxy

from newsarchive.archiving.plan import plan_outlets
from newsarchive.archiving.report import OutletReport
from newsarchive.archiving.run import archive_outlets
from newsarchive.config import Settings
from newsarchive.errors import StorageError
from newsarchive.replay import replayed
from newsarchive.replay.pages import load_pages
from newsarchive.spiders.settings import CrawlOptions
from newsarchive.storage import Archive

ARTICLES = sum(len(pages) for pages in load_pages().values())
RETRIED_PAGES = 24


def replay(archive: Archive, settings: Settings) -> dict[str, OutletReport]:
    with replayed(plan_outlets(settings), CrawlOptions.from_settings(settings)) as (o, options):
        return asyncio.run(archive_outlets(o, archive, options))


def archived_once_each(archive: Archive) -> None:
    articles = list(archive.list_articles())
    assert len(articles) == ARTICLES
    assert len({a.url for a in articles}) == ARTICLES
    assert all(a.versions == 1 for a in articles)


@pytest.fixture
def s3_behind_a_proxy(
    s3_endpoint: str, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[OutageProxy, str]]:
    host, port = s3_endpoint.removeprefix("http://").split(":")
    with OutageProxy((host, int(port))) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        yield proxy, s3_bucket


def test_s3_away_mid_run_loses_nothing_and_the_next_run_completes(
    s3_behind_a_proxy: tuple[OutageProxy, str], s3_endpoint: str, tmp_path: Path
) -> None:
    proxy, bucket = s3_behind_a_proxy
    settings = Settings(
        home=tmp_path, database_url=f"sqlite:///{tmp_path / 'catalog.db'}",
        store_url=f"s3://{bucket}/archive",
    )  # fmt: skip
    direct = boto3.client("s3", endpoint_url=s3_endpoint)

    def cut_after_two_objects() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if direct.list_objects_v2(Bucket=bucket).get("KeyCount", 0) >= 2:
                proxy.down()
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=cut_after_two_objects, daemon=True)
    with Archive.open(settings.database_url, settings.store_url) as archive:
        watcher.start()
        first = replay(archive, settings)  # the outage is counted, never a crash
        watcher.join()
        failed = [r for report in first.values() for r in report.failures]
        assert any("storing" in reason or "filing" in reason for _, reason in failed), failed
        proxy.up()
        assert archive.verify().ok  # no row points at an object that was never written

        replay(archive, settings)
        archived_once_each(archive)
        report = archive.verify()
        assert report.ok and report.checked >= 2 * ARTICLES


def test_altered_and_missing_objects_are_named_and_the_next_run_completes(
    tmp_path: Path,
) -> None:
    settings = Settings(home=tmp_path / "archive")
    objects = tmp_path / "archive" / "objects"
    with Archive.open(settings.database_url, settings.store_url) as archive:
        replay(archive, settings)
        raws = sorted(objects.glob("raw/**/*.html.gz"))
        texts = sorted(objects.glob("text/**/*.txt"))
        raws[0].write_bytes(raws[0].read_bytes()[:-1] + b"!")  # one byte flipped
        texts[0].unlink()  # gone
        raws[1].unlink()  # replaced by a directory: unreadable, the audit goes on
        raws[1].mkdir()

        report = archive.verify()
        assert report.corrupted == [str(raws[0].relative_to(objects))]
        assert report.missing == [str(texts[0].relative_to(objects))]
        assert [entry.split(":")[0] for entry in report.unreadable] == [
            str(raws[1].relative_to(objects))
        ]
        damaged = next(a.url for a in archive.list_articles() if a.sha256 in texts[0].name)
        with pytest.raises(StorageError, match="missing"):
            archive.snapshot(damaged)

        again = replay(archive, settings)  # the next run completes, nothing is filed twice
        assert all(r.failure() is None for r in again.values())
        archived_once_each(archive)


def test_an_unreachable_catalog_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="cannot open the catalog") as caught:
        Archive.open("postgresql+psycopg://nobody@127.0.0.1:9/none", f"file://{tmp_path}")
    assert "\n" not in str(caught.value)


class Announced(logging.Handler):
    """Sets ``seen`` when a log record says ``words``: how a test learns what a run did."""

    def __init__(self, words: str) -> None:
        super().__init__()
        self.words = words
        self.seen = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.words in record.getMessage():
            self.seen.set()


@pytest.mark.prefect
@pytest.mark.timeout(300)
def test_the_flow_retries_a_crawl_the_store_failed_and_the_retry_archives_it(
    s3_behind_a_proxy: tuple[OutageProxy, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """S3 refuses every connection from the start: the crawl stops on the storage outage,
    the task raises, and the retry Prefect makes, once S3 is back, archives every page."""
    from prefect.testing.utilities import prefect_test_harness

    from newsarchive.archiving.plan import RunRequest
    from newsarchive.flows.crawl import crawl_all

    proxy, bucket = s3_behind_a_proxy
    proxy.down()
    monkeypatch.setenv("NEWSARCHIVE_HOME", str(tmp_path / "archive"))
    monkeypatch.setenv("NEWSARCHIVE_STORE_URL", f"s3://{bucket}/archive")
    stopped = Announced("the crawl stopped: storage failed")
    retried = Announced("Retry 1/")  # Prefect's task run logger, as the retry is scheduled

    def back_when_the_crawl_stopped() -> None:
        if stopped.seen.wait(120):
            proxy.up()  # within the retry's delay: the retry finds S3 back

    with Site(host="127.32.0.1") as site, prefect_test_harness():
        site.page("/robots.txt", "User-agent: *\n", "text/plain")
        for n in range(RETRIED_PAGES):
            site.page(f"/a/{n}.html", html(f"Story {n}", " ".join(f"w{n}x{i}" for i in range(90))))
        rss(site, [f"/a/{n}.html" for n in range(RETRIED_PAGES)])
        outlets = tmp_path / "outlets.toml"
        outlets.write_text(
            f'[[outlet]]\nname = "local"\nkind = "feed"\nstart_urls = ["{site.url("/feed.xml")}"]\n'
            'allowed_domains = ["127.32.0.1"]\ndownload_delay = 0\n',
            encoding="utf-8",
        )
        for announced in (stopped, retried):
            logging.getLogger("prefect").addHandler(announced)
        watcher = threading.Thread(target=back_when_the_crawl_stopped, daemon=True)
        watcher.start()
        try:
            request = RunRequest(outlets=("local",), outlets_file=outlets)
            state = asyncio.run(crawl_all(request, return_state=True))  # type: ignore[arg-type]
        finally:
            for announced in (stopped, retried):
                logging.getLogger("prefect").removeHandler(announced)
        watcher.join()

    assert stopped.seen.is_set()
    assert state.is_completed(), state.message
    assert retried.seen.is_set()  # the task failed on the outage and Prefect retried it
    (run,) = state.result()
    assert run.counts.new == RETRIED_PAGES and run.counts.failed == 0, run
    assert sum(1 for path in site.paths() if path == "/feed.xml") == 2  # crawled twice
    settings = Settings(home=tmp_path / "archive", store_url=f"s3://{bucket}/archive")
    with Archive.open(settings.database_url, settings.store_url) as archive:
        assert len(list(archive.list_articles())) == RETRIED_PAGES
        assert archive.verify().ok
