"""Storage faults: S3 away mid-run, objects altered or missing, the catalog unreachable.

Each case ends the same way: nothing archived is lost or altered, nothing is
filed twice, ``verify`` says exactly what is wrong (or that nothing is), and
the next run completes.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
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
