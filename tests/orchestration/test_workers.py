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
import contextlib
import json
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from loopback import Reply, Seen, Site, html, rss
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

from newsarchive.replay.server import Route

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


@contextlib.contextmanager
def pool_workers(env: dict[str, str], folder: Path, count: int) -> Iterator[list[Path]]:
    """``count`` process workers on the pool, each running one flow run at a time; yields
    their logs.  They run from a directory of their own: the flows load from the installed
    package."""
    prefect(["work-pool", "create", POOL, "--type", "process", "--overwrite"], env, folder)
    env = env | {"PREFECT_WORKER_QUERY_SECONDS": "2"}
    logs = [folder / f"worker-{n}.log" for n in range(1, count + 1)]
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
            cwd=folder,
        )
        for log in logs
    ]
    try:
        yield logs
    finally:
        stopped = [stop_process(p, signal.SIGTERM) for p in processes]
        assert all(stopped), "a worker ignored SIGTERM:\n" + "\n".join(map(log_tail, logs))


@pytest.fixture
def workers(archive_env: dict[str, str], tmp_path: Path) -> Iterator[list[Path]]:
    """Two workers whose runs crawl the offline replica: their environment says so, as a
    worker's environment says where the archive is."""
    with pool_workers(archive_env | {"NEWSARCHIVE_REPLAY": "1"}, tmp_path, 2) as logs:
        yield logs


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


FLEET = 24  # outlets, each a site of its own address
FEED_SECONDS = 1.5  # each feed answers this late, so that one run alone would take a while


@pytest.fixture
def fleet_sites() -> Iterator[list[Site]]:
    """``FLEET`` small outlets at 127.42.0.1, 127.42.0.2, ...: a slow feed, one article."""
    with contextlib.ExitStack() as stack:
        sites = [stack.enter_context(Site(host=f"127.42.0.{n + 1}")) for n in range(FLEET)]
        for n, site in enumerate(sites):
            site.page("/a", html(f"Story {n}", " ".join(f"w{n}x{i}" for i in range(150))))
            rss(site, ["/a"], "/feed.xml")
            site.route("/feed.xml", slowly(site.routes["/feed.xml"]))
        yield sites


def slowly(route: Route) -> Route:
    def late(request: Seen) -> Reply:
        time.sleep(FEED_SECONDS)
        return route(request)

    return late


def fleet_file(sites: list[Site], folder: Path) -> Path:
    def table(n: int, site: Site) -> str:
        host = site.origin.split("//")[1].split(":")[0]
        fields = {
            "name": f"o{n}",
            "kind": "feed",
            "start_urls": [site.url("/feed.xml")],
            "allowed_domains": [host],
            "download_delay": 0,
        }
        return "[[outlet]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in fields.items())

    path = folder / "fleet.toml"
    path.write_text("\n".join(table(n, site) for n, site in enumerate(sites)), encoding="utf-8")
    return path


async def run_messages(run_ids: list[UUID]) -> list[str]:
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        runs = [await client.read_flow_run(run_id) for run_id in run_ids]
    return [run.state.message or "" if run.state else "" for run in runs]


def test_three_workers_share_one_fleet_without_polling_an_outlet_twice(
    archive_env: dict[str, str], fleet_sites: list[Site], tmp_path: Path
) -> None:
    env = archive_env | {"NEWSARCHIVE_OUTLETS": str(fleet_file(fleet_sites, tmp_path))}
    with pool_workers(env, tmp_path, 3) as logs:
        prefect_file = REPO_ROOT / "deploy" / "prefect.yaml"
        prefect(["deploy", "--all", "--prefect-file", str(prefect_file)], env, tmp_path)
        fleet = asyncio.run(deployments_by_name())["default@pool"]["id"]
        # Three ticks' runs at once, as when a cycle outlasts the ticks; small batches.
        run_ids = asyncio.run(create_runs([(fleet, {"batch": 2})] * 3))
        states = asyncio.run(wait_for_final_state(run_ids, timeout=RUN_TIMEOUT))
        tails = "\n".join(f"--- {log.name}\n{log_tail(log)}" for log in logs)
        assert set(states.values()) == {"COMPLETED"}, f"{states}\n{tails}"
        claims = asyncio.run(run_claims(run_ids))

    messages = asyncio.run(run_messages(run_ids))
    polled = [int(message.split(" outlet(s) polled")[0]) for message in messages]
    assert sum(polled) == FLEET, messages  # every outlet once, by one run
    assert sum(1 for n in polled if n) >= 2, (messages, claims)  # and the runs shared them
    assert len({str(claim.worker) for claim in claims.values()}) == 3, claims
    for site in fleet_sites:
        assert len(site.hits("/feed.xml")) == 1 and len(site.hits("/a")) == 1, site.origin

    rows = json_lines(newsarchive(["list", "--json"], env, tmp_path).stdout)
    assert len(rows) == len({row["url"] for row in rows}) == FLEET
    assert {row["versions"] for row in rows} == {1}
    health = json_lines(newsarchive(["outlets", "health", "--json"], env, tmp_path).stdout)
    assert {row["status"] for row in health} == {"working"} and len(health) == FLEET
