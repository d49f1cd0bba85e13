"""Two runs of one outlet at once: one crawls, the other waits for the site, nothing twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsarchive.replay.pages import load_pages

pytestmark = [pytest.mark.prefect, pytest.mark.timeout(400)]
BIN = Path(sys.executable).parent


@pytest.mark.parametrize("catalog", ["sqlite", "postgresql"])
def test_two_crawls_of_one_outlet_at_once_file_each_article_once(
    catalog: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    database = (
        f"sqlite:///{tmp_path / 'catalog.db'}"
        if catalog == "sqlite"
        else str(request.getfixturevalue("postgres_url"))
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSARCHIVE_"))}
    env |= {"NEWSARCHIVE_HOME": str(tmp_path / "archive"), "NEWSARCHIVE_DATABASE_URL": database}
    runs = []
    for n in (1, 2):
        (tmp_path / f"run{n}").mkdir()
        run_env = env | {"PREFECT_HOME": str(tmp_path / f"run{n}" / "prefect")}
        runs.append(
            subprocess.Popen(
                [str(BIN / "newsarchive"), "crawl", "--replay", "--json", "vanguard"],
                env=run_env,
                cwd=tmp_path / f"run{n}",
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    results = [run.communicate(timeout=300) for run in runs]
    for run, (_out, err) in zip(runs, results, strict=True):
        assert run.returncode == 0, err[-2000:]
    rows = [json.loads(out) for out, _err in results]
    # one of them found the articles new, the other (after waiting for the site) unchanged
    assert sorted(row["new"] for row in rows) == [0, len(load_pages()["vanguard"])]

    listed = subprocess.run(
        [str(BIN / "newsarchive"), "list", "--json"], env=env, cwd=tmp_path,
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    articles = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(articles) == len({a["url"] for a in articles}) == len(load_pages()["vanguard"])
    assert all(a["versions"] == 1 for a in articles)
