"""Scale-out on one machine: deploy/prefect.yaml, a process work pool, two workers.

This is the production topology in miniature: the deployments come from
``prefect deploy`` with the repository's prefect.yaml, two ``prefect worker``
processes share the ``newsarchive`` pool, and the archive is PostgreSQL plus
an S3 endpoint (moto's server over HTTP).  Two outlets' runs are created at
the same moment, as two cron ticks would; each worker takes one, and the
archive must come out exactly as one crawl of each outlet would leave it.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect_harness import (
    BIN,
    REPO_ROOT,
    PrefectServer,
    archived_urls,
    create_runs,
    deployments_by_name,
    json_lines,
    log_tail,
    newsarchive,
    replay_article_urls,
    run_claims,
    start_process,
    stop_process,
    table_artifact,
    wait_for_final_state,
)

RUN_TIMEOUT = 360.0
# Bounded above the runs' own wait, so stuck runs fail with the workers' logs instead.
pytestmark = [pytest.mark.prefect, pytest.mark.postgres, pytest.mark.timeout(RUN_TIMEOUT + 240)]

OUTLETS = ("sputnik", "kcnawatch")  # a feed and a listing, two different spiders
POOL = "newsarchive"


@pytest.fixture
def archive_env(
    prefect_server: PrefectServer, prefect_api: str, postgres_url: str, s3_bucket: str
) -> dict[str, str]:
    """A client environment whose archive is the PostgreSQL catalog and the S3 bucket."""
    return prefect_server.client_env(
        {
            "NEWSARCHIVE_DATABASE_URL": postgres_url,
            "NEWSARCHIVE_STORE_URL": f"s3://{s3_bucket}/archive",
        }
    )


def prefect(args: list[str], env: dict[str, str], cwd: Path) -> None:
    """Run a ``prefect`` CLI command to completion; fail with its output when it fails."""
    result = subprocess.run(
        [str(BIN / "prefect"), "--no-prompt", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        pytest.fail(f"prefect {' '.join(args)} exited {result.returncode}:\n{result.stdout}")


@pytest.fixture
def workers(archive_env: dict[str, str], tmp_path: Path) -> Iterator[list[Path]]:
    """Two process workers on the pool, each running one flow run at a time; yields their logs.

    They run from a directory of their own: the flows load from the installed package.
    """
    prefect(
        ["work-pool", "create", POOL, "--type", "process", "--overwrite"], archive_env, tmp_path
    )
    # The workers' runs crawl the offline replica: their environment says so, as a
    # worker's environment says where the archive is.
    env = archive_env | {"PREFECT_WORKER_QUERY_SECONDS": "2", "NEWSARCHIVE_REPLAY": "1"}
    logs = [tmp_path / f"worker-{n}.log" for n in (1, 2)]
    processes = [
        start_process(
            [
                str(BIN / "prefect"),
                "worker",
                "start",
                "--pool",
                POOL,
                "--type",
                "process",
                "--name",
                log.stem,
                "--limit",
                "1",
            ],
            env,
            log,
            cwd=tmp_path,
        )
        for log in logs
    ]
    try:
        yield logs
    finally:
        stopped = [stop_process(p, signal.SIGTERM) for p in processes]
        assert all(stopped), "a worker ignored SIGTERM:\n" + "\n".join(map(log_tail, logs))


def test_two_workers_archive_two_outlets_once_each(
    archive_env: dict[str, str], workers: list[Path], tmp_path: Path
) -> None:
    prefect_file = REPO_ROOT / "deploy" / "prefect.yaml"
    prefect(["deploy", "--all", "--prefect-file", str(prefect_file)], archive_env, tmp_path)

    deployments = asyncio.run(deployments_by_name())
    for outlet in OUTLETS:
        assert deployments[f"{outlet}@pool"]["work_pool"] == POOL
        assert not deployments[f"{outlet}@pool"]["pull_steps"]

    requests = [(deployments[f"{o}@pool"]["id"], {"outlet": o}) for o in OUTLETS]
    run_ids = asyncio.run(create_runs(requests))
    states = asyncio.run(wait_for_final_state(run_ids, timeout=RUN_TIMEOUT))
    logs = "\n".join(f"--- {log.name}\n{log_tail(log)}" for log in workers)
    assert set(states.values()) == {"COMPLETED"}, f"{states}\n{logs}"
    # Each run was claimed once, by one worker, and ran once; each worker took one run.
    claims = asyncio.run(run_claims(run_ids))
    for run, claim in claims.items():
        assert claim.states.count("Pending") == 1, (run, claim)
        assert claim.states.count("Running") == 1, (run, claim)
    assert sorted(str(c.worker) for c in claims.values()) == ["worker-1", "worker-2"], claims
    for outlet, run in zip(OUTLETS, run_ids, strict=True):
        (summary,) = asyncio.run(table_artifact(run, "crawl-summary"))
        assert summary["outlet"] == outlet
        assert summary["new"] + summary["duplicate"] == len(replay_article_urls()[outlet])

    rows = json_lines(newsarchive(["list", "--json"], archive_env, tmp_path).stdout)
    assert len({row["url"] for row in rows}) == len(rows), "an article is listed twice"
    expected = replay_article_urls()
    assert archived_urls(rows) == {outlet: expected[outlet] for outlet in OUTLETS}
    for row in rows:
        versions = json_lines(
            newsarchive(["history", row["url"], "--json"], archive_env, tmp_path).stdout
        )
        assert [v["version"] for v in versions] == [1], (row["url"], versions)
        assert row["versions"] == 1

    verified = newsarchive(["verify", "--json"], archive_env, tmp_path)
    (report,) = json_lines(verified.stdout)
    assert report["checked"] >= len(rows) and not report["missing"] and not report["corrupted"]

    # The scheduled audit, run by a worker, sees the same intact archive.
    (audit,) = asyncio.run(create_runs([(deployments["fixity@pool"]["id"], {"sample": None})]))
    state = asyncio.run(wait_for_final_state([audit], timeout=RUN_TIMEOUT))[audit]
    assert state == "COMPLETED", "\n".join(map(log_tail, workers))
    (audited,) = asyncio.run(table_artifact(audit, "fixity-audit"))
    assert audited == {"checked": report["checked"], "missing": 0, "corrupted": 0, "unreadable": 0}
