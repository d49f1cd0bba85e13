"""The README's main job, as a user runs it: ``newsarchive crawl --replay`` then ``list``."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from newsarchive import __version__
from newsarchive.records import RunCounts
from newsarchive.replay.pages import default_pages_dir

SEED_OUTLETS = ("joongang", "sputnik", "vanguard", "kcnawatch")


def newsarchive(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsarchive", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.prefect
def test_replay_crawl_through_an_ephemeral_prefect_then_list(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")},
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    crawl = newsarchive("crawl", "--replay", "--json", cwd=tmp_path, env=env)
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert crawl.stderr == ""  # at the default level a command prints its own lines only
    rows = {row["outlet"]: row for row in map(json.loads, crawl.stdout.splitlines())}
    assert list(rows) == list(SEED_OUTLETS)
    for row in rows.values():
        assert row["status"] == "completed" and row["reason"] is None
        assert row["new"] >= 1 and row["failed"] == len(row["failures"]) >= 1
        # the replica's traps a crawler declines on purpose are skipped, not failed
        assert {"refused", "not-html", "too-large"} <= set(row["skipped_reasons"])

    listing = newsarchive("list", "--json", cwd=tmp_path, env=env)
    assert listing.returncode == 0, listing.stderr
    urls = {json.loads(line)["url"] for line in listing.stdout.splitlines()}
    expected = {
        json.loads(p.read_text())["url"]
        for outlet in SEED_OUTLETS
        for p in (default_pages_dir() / outlet).glob("*.expected.json")
    }
    assert urls == expected
    assert (tmp_path / "archive" / "catalog.db").is_file()
    assert documented_first_day() == len(urls), "docs/archivists.md miscounts the first day"


NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def documented_first_day() -> int:
    """The article count the archivists' walk-through promises for the replica's first day."""
    docs = Path(__file__).resolve().parents[2] / "docs" / "archivists.md"
    match = re.search(r"# day 1: (\w+) articles", docs.read_text(encoding="utf-8"))
    assert match, "docs/archivists.md no longer says what the first day archives"
    return NUMBER_WORDS.index(match[1])


@pytest.mark.prefect
def test_an_outlet_that_is_down_exits_1_with_its_reason_and_nothing_else(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")},
        "PREFECT_HOME": str(tmp_path / "prefect"),
    }
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    (tmp_path / "outlets.toml").write_text(
        "[[outlet]]\n"
        'name = "down"\nkind = "feed"\n'
        f'start_urls = ["http://127.0.0.1:{port}/feed.xml"]\n'
        'allowed_domains = ["127.0.0.1"]\ndownload_delay = 0\n',
        encoding="utf-8",
    )
    crawl = newsarchive("crawl", "--outlets-file", "outlets.toml", cwd=tmp_path, env=env)
    assert crawl.returncode == 1
    assert crawl.stderr == ""
    lines = crawl.stdout.splitlines()
    assert lines[0].split() == ["outlet", *RunCounts.columns()]
    assert lines[1].split() == ["down", "0", "0", "0", "0", "0", "0", "0", "0"]
    assert lines[3] == (
        "down could not be crawled: no discovery document could be read "
        f"(http://127.0.0.1:{port}/feed.xml: connection refused)"
    )


def test_version_and_a_bad_log_level(tmp_path: Path) -> None:
    version = newsarchive("--version", cwd=tmp_path, env=dict(os.environ))
    assert version.returncode == 0 and version.stdout == f"newsarchive {__version__}\n"
    loud = newsarchive("list", cwd=tmp_path, env={**os.environ, "NEWSARCHIVE_LOG_LEVEL": "LOUD"})
    assert loud.returncode == 2
    assert loud.stderr.startswith("newsarchive: NEWSARCHIVE_LOG_LEVEL: must be one of")
    assert len(loud.stderr.splitlines()) == 1
