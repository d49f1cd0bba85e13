"""A disk that fills mid-run: the run stops and fails saying so, and the next run completes.

The store is a real tmpfs, mounted small (we run as root) and grown again
with ``remount``, crawled into from a loopback site of many pages: the
fault is the kernel's ``No space left on device``, nothing simulated.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from loopback import Site, html, options, outlet, rss

from newsarchive.archiving.capture import STORAGE_FAILURES_TO_STOP, StorageOutage
from newsarchive.archiving.run import archive_outlets
from newsarchive.config import Settings
from newsarchive.storage import Archive

PAGES = 120
SMALL = "256k"  # room for a few pages' objects, not for 120
ROOMY = "64m"
BIN = Path(sys.executable).parent
HOST = "127.31.0.1"


def _words(rng: random.Random, count: int) -> str:
    """Text that gzip cannot shrink much, so each page takes its share of the disk."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return " ".join("".join(rng.choices(letters, k=rng.randint(3, 9))) for _ in range(count))


@pytest.fixture
def site() -> Iterator[Site]:
    rng = random.Random(7)
    with Site(host=HOST) as running:
        running.page("/robots.txt", "User-agent: *\n", "text/plain")
        for n in range(PAGES):
            running.page(f"/a/{n}.html", html(f"Story {n}", _words(rng, 1500)))
        rss(running, [f"/a/{n}.html" for n in range(PAGES)])
        yield running


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of :data:`SMALL`, unmounted after the test."""
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SMALL}", "tmpfs", str(disk)], check=True)
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def grow(disk: Path) -> None:
    """Free space the way an operator does: give the filesystem more room."""
    subprocess.run(["mount", "-o", f"remount,size={ROOMY}", str(disk)], check=True)


def leftovers(root: Path) -> list[Path]:
    return list(root.rglob(".tmp-*"))


@pytest.mark.parametrize("mode", ["inprocess", "subprocess"])
def test_a_full_disk_stops_the_run_and_the_next_run_completes(
    site: Site, small_disk: Path, tmp_path: Path, mode: str
) -> None:
    settings = Settings(
        home=tmp_path / "archive", store_url=f"file://{small_disk / 'objects'}"
    )  # the catalog on the roomy disk, the objects on the small one
    crawled = outlet(
        site, "feed", "/feed.xml", allowed_domains=[HOST], max_pages=PAGES + 1, concurrency=2
    )
    with Archive.open(settings.database_url, settings.store_url) as archive:
        with pytest.raises(StorageOutage) as stopped:
            asyncio.run(archive_outlets([crawled], archive, options(mode)))
        reason = str(stopped.value)
        assert reason.startswith(f"storage failed {STORAGE_FAILURES_TO_STOP} of the last ")
        assert reason.endswith("No space left on device")
        report = stopped.value.reports[crawled.name]
        stored = report.counts().new
        assert 0 < stored < PAGES // 2, report.counts()
        requested = sum(1 for path in site.paths() if path.startswith("/a/"))
        assert requested < PAGES // 2, requested  # stopped, not fetched to the end
        assert leftovers(small_disk) == []  # a failed write takes its temporary file with it

        grow(small_disk)
        again = asyncio.run(archive_outlets([crawled], archive, options(mode)))[crawled.name]
        assert again.failure() is None, again.failures
        assert again.counts().new == PAGES - stored
        assert len(list(archive.list_articles())) == PAGES
        verified = archive.verify()
        assert verified.ok and verified.checked >= 3 * PAGES, verified


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "newsarchive"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=400,
        check=False,
    )


@pytest.mark.prefect
@pytest.mark.timeout(600)
def test_crawl_on_a_full_disk_exits_non_zero_and_the_outlet_alerts(
    site: Site, small_disk: Path, tmp_path: Path
) -> None:
    """The command a cron or an operator runs: the run fails (after its retries), says why,
    exits 1 and puts the outlet in the failing state its alert announces; then recovers."""
    outlets = tmp_path / "outlets.toml"
    outlets.write_text(
        f'[[outlet]]\nname = "local"\nkind = "feed"\nstart_urls = ["{site.url("/feed.xml")}"]\n'
        f'allowed_domains = ["{HOST}"]\ndownload_delay = 0\nmax_pages = {PAGES + 1}\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSARCHIVE_"))}
    env |= {
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "NEWSARCHIVE_HOME": str(tmp_path / "archive"),
        "NEWSARCHIVE_STORE_URL": f"file://{small_disk / 'objects'}",
        "NEWSARCHIVE_OUTLETS": str(outlets),
    }

    failed = cli(env, "crawl", "--json")
    assert failed.returncode == 1, failed.stderr[-2000:]
    (row,) = [json.loads(line) for line in failed.stdout.splitlines()]
    assert row["status"] == "failed"
    assert "storage failed" in row["reason"] and "No space left on device" in row["reason"]
    health = json.loads(cli(env, "outlets", "health", "--json").stdout)
    assert health["status"] == "failing" and "No space left on device" in health["reason"]
    assert leftovers(small_disk) == []

    grow(small_disk)
    passed = cli(env, "crawl", "--json")
    assert passed.returncode == 0, passed.stderr[-2000:]
    (row,) = [json.loads(line) for line in passed.stdout.splitlines()]
    assert row["status"] == "completed" and row["failed"] == 0
    verified = cli(env, "verify", "--json")
    assert verified.returncode == 0, verified.stdout
    audit = json.loads(verified.stdout)
    assert audit["checked"] >= 3 * PAGES and audit["leftovers"] == []
