"""The README's main job, as a user runs it: ``newsarchive crawl --replay`` then ``list``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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
    rows = {row["outlet"]: row for row in map(json.loads, crawl.stdout.splitlines())}
    assert list(rows) == list(SEED_OUTLETS)
    for row in rows.values():
        assert row["new"] >= 1 and row["failed"] == len(row["failures"]) >= 1

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
