"""How long a run that finds nothing new takes, from the command line and through ``serve``.

Most scheduled runs find nothing new, so their cost is mostly orchestration:
starting Python, Prefect and (for ``crawl`` without ``PREFECT_API_URL``) a
temporary Prefect server, then refetching the outlets' feeds and pages
conditionally.  Everything runs offline against the bundled replica, in a
temporary directory:

- baselines, measured in the same run: ``newsarchive --version`` (the
  interpreter and the CLI, nothing else) and ``newsarchive list`` (opening
  the archive);
- ``crawl --replay`` of all outlets on an archive that already holds them,
  whole-process wall time, once with its temporary Prefect server and once
  against a running ``prefect server start`` (``PREFECT_API_URL`` set);
- ``serve --replay`` against that server: runs of one outlet's deployment
  created through the API (as the UI's Run button does), timed from the
  server's records: created to started (the runner's pick-up, which follows
  its poll interval) and started to Completed (the run itself).

Usage: ``python bench/orchestration.py [--repeat 5] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

BIN = Path(sys.executable).parent
SERVE_OUTLET = "joongang"


@dataclass(frozen=True)
class Row:
    what: str
    median_s: float
    min_s: float
    max_s: float
    runs: int


def _row(what: str, seconds: list[float]) -> Row:
    return Row(what, statistics.median(seconds), min(seconds), max(seconds), len(seconds))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(ready: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            sys.exit(f"bench: gave up waiting for {what}")
        time.sleep(0.1)


def _timed(args: list[str], env: dict[str, str], cwd: Path) -> float:
    """Whole-process wall time of one command, which must succeed."""
    started = time.perf_counter()
    done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"bench: {' '.join(args[1:])} exited {done.returncode}: {done.stderr.strip()}")
    return elapsed


def _no_news(stdout: str) -> bool:
    """Whether a ``crawl --json`` found nothing new or updated, as the bench requires."""
    rows = [json.loads(line) for line in stdout.splitlines()]
    return bool(rows) and all(row["new"] == 0 and row["updated"] == 0 for row in rows)


@contextmanager
def _prefect_server(home: Path, env: dict[str, str]) -> Iterator[str]:
    """``prefect server start`` on a free loopback port; yields its API URL."""
    port = _free_port()
    server_env = {**env, "PREFECT_HOME": str(home / "prefect-server")}
    server_env.pop("PREFECT_API_URL", None)
    log = (home / "prefect-server.log").open("wb")
    process = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port),
         "--no-scheduler", "--analytics-off"],
        env=server_env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    api = f"http://127.0.0.1:{port}/api"

    def healthy() -> bool:
        try:
            return httpx.get(f"{api}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        _wait(healthy, 120, "the Prefect server")
        yield api
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(60)
        log.close()


@contextmanager
def _served(env: dict[str, str], workdir: Path, api: str) -> Iterator[str]:
    """``newsarchive serve --replay`` until its deployment of SERVE_OUTLET exists; yields its id."""
    log = (workdir / "serve.log").open("wb")
    process = subprocess.Popen(
        [str(BIN / "newsarchive"), "serve", "--replay"],
        env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    found: list[str] = []

    def registered() -> bool:
        if process.poll() is not None:
            sys.exit(f"bench: newsarchive serve exited {process.returncode}")
        body = {"deployments": {"name": {"any_": [SERVE_OUTLET]}}}
        found[:] = [d["id"] for d in httpx.post(f"{api}/deployments/filter", json=body).json()]
        return bool(found)

    try:
        _wait(registered, 120, "serve to register its deployments")
        yield found[0]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(60)
        log.close()


def _served_run(api: str, deployment: str) -> tuple[float, float]:
    """(pick-up, run) seconds of one run of the deployment, from the server's own records."""
    created = httpx.post(f"{api}/deployments/{deployment}/create_flow_run", json={})
    run = created.json()
    if "id" not in run:
        sys.exit(f"bench: the server refused the run ({created.status_code}): {created.text}")
    final: dict[str, Any] = {}

    def finished() -> bool:
        final.update(httpx.get(f"{api}/flow_runs/{run['id']}").json())
        return bool(final.get("state_type")) and final["state_type"] not in {
            "SCHEDULED", "PENDING", "RUNNING",
        }  # fmt: skip

    _wait(finished, 300, "the served run to finish")
    if final["state_type"] != "COMPLETED":
        sys.exit(f"bench: the served run ended {final['state_type']}: {final['state']['message']}")
    created, started, ended = (
        datetime.fromisoformat(final[key]) for key in ("created", "start_time", "end_time")
    )
    return (started - created).total_seconds(), (ended - started).total_seconds()


def run(repeat: int) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="newsarchive-bench-") as scratch:
        workdir = Path(scratch)
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("NEWSARCHIVE_", "PREFECT_"))
        }
        env["NEWSARCHIVE_HOME"] = str(workdir / "archive")
        env["PREFECT_HOME"] = str(workdir / "prefect-client")
        newsarchive = [str(BIN / "newsarchive")]
        crawl = [*newsarchive, "crawl", "--replay", "--json"]
        first = subprocess.run(crawl, env=env, cwd=workdir, capture_output=True, text=True)
        if first.returncode != 0:
            sys.exit(f"bench: the first crawl exited {first.returncode}: {first.stderr.strip()}")
        again = subprocess.run(crawl, env=env, cwd=workdir, capture_output=True, text=True)
        if not _no_news(again.stdout):
            sys.exit("bench: a second crawl of the replica found news; the bench needs none")

        def times(args: list[str], run_env: dict[str, str]) -> list[float]:
            return [_timed(args, run_env, workdir) for _ in range(repeat)]

        rows = [
            _row("newsarchive --version (baseline)", times([*newsarchive, "--version"], env)),
            _row("newsarchive list (baseline)", times([*newsarchive, "list"], env)),
            _row("crawl --replay, no news, temporary Prefect server", times(crawl, env)),
        ]
        with _prefect_server(workdir, env) as api:
            served_env = {**env, "PREFECT_API_URL": api}
            rows.append(
                _row("crawl --replay, no news, PREFECT_API_URL set", times(crawl, served_env))
            )
            with _served(served_env, workdir, api) as deployment:
                measured = [_served_run(api, deployment) for _ in range(repeat)]
            rows.append(
                _row(f"serve: {SERVE_OUTLET} run created -> started", [m[0] for m in measured])
            )
            rows.append(
                _row(f"serve: {SERVE_OUTLET} run started -> Completed", [m[1] for m in measured])
            )
        return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each row (default 5)")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    rows = run(args.repeat)
    width = max(len(r.what) for r in rows)
    print(f"{'':<{width}}  median s  min s   max s   runs")
    for r in rows:
        print(f"{r.what:<{width}}  {r.median_s:8.2f}  {r.min_s:6.2f}  {r.max_s:6.2f}  {r.runs}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")


if __name__ == "__main__":
    main()
