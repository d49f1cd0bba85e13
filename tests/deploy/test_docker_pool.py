"""The image, built, and a Docker work pool running deploy/prefect.yaml's crawl in it.

What the other checks of this folder read in the files, this one runs: the
image built offline (local_docker.py), a Prefect server on loopback, a
``docker`` work pool with a worker of the ``docker`` extra, and the
``joongang@pool`` deployment of prefect.yaml registered to it with the job
variables deploy/README.md gives.  Each flow run is a container of the image
given the worker's ``prefect flow-run execute``; the archive is a host folder
mounted into it, read back on the host with ``newsarchive list``.  Two runs
started together show the deployment's limit: one is cancelled, not queued.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from conftest import DEPLOY
from local_docker import build_image, docker, docker_daemon, log_tail

# Slow: the build, then containers. A cold machine builds the base and the wheels first.
pytestmark = [pytest.mark.docker, pytest.mark.prefect, pytest.mark.timeout(1500)]

BIN = Path(sys.executable).parent
IMAGE = "newsarchive:test"
POOL = "newsarchive-docker"
OUTLET = "joongang"
DEPLOYMENT = f"{OUTLET}@pool"
FINAL_STATES = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
NO_ARCHIVE = "newsarchive: no archive here: archive/catalog.db does not exist\n"


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The newsarchive image of this checkout, kept as Docker's cache for the next build."""
    work = tmp_path_factory.mktemp("docker")
    with docker_daemon(work / "dockerd.log"):
        build_image(IMAGE, work)
        yield IMAGE


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop(process: subprocess.Popen[bytes]) -> None:
    """End a process started in a session of its own, with whatever it started."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start a long-running process in a session of its own, its output going to ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(
            args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


@dataclass(frozen=True)
class PrefectServer:
    """The module's Prefect server: its process, where its API answers, its folder and log."""

    process: subprocess.Popen[bytes]
    api: str
    home: Path
    log: Path


@pytest.fixture(scope="module", autouse=True)
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    """``prefect server start`` on a free loopback port with a database of its own.

    Started before anything else of the module (autouse), so that it comes up while
    the image is built instead of after.
    """
    home = tmp_path_factory.mktemp("prefect")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {
        "PREFECT_HOME": str(home / "server"),
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
    }
    args = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    log = home / "server.log"
    process = start([*args, "--no-scheduler", "--analytics-off"], env, log)
    try:
        yield PrefectServer(process, f"http://127.0.0.1:{port}/api", home, log)
    finally:
        stop(process)


@pytest.fixture
def prefect_env(prefect_server: PrefectServer) -> dict[str, str]:
    """The environment the server's clients run with (this test's commands and the
    worker), once the server answers."""
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{prefect_server.api}/health", timeout=2):
                break
        except OSError:
            if prefect_server.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"prefect server did not start:\n{log_tail(prefect_server.log)}")
            time.sleep(0.5)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return env | {
        "PREFECT_API_URL": prefect_server.api,
        "PREFECT_HOME": str(prefect_server.home / "client"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }


def prefect(args: list[str], env: dict[str, str]) -> None:
    """A ``prefect`` command, run to completion; its failure fails the test with its output."""
    result = subprocess.run(
        [str(BIN / "prefect"), "--no-prompt", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"prefect {' '.join(args)} exited {result.returncode}:\n{result.stdout}")


async def run_twice_at_once(env: dict[str, str]) -> dict[UUID, Any]:
    """Two runs of the deployment created together, as two cron ticks that met would be;
    returns each run's final state."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings

    updates = {PREFECT_API_URL: env["PREFECT_API_URL"], PREFECT_HOME: env["PREFECT_HOME"]}
    with temporary_settings(updates=updates):
        async with get_client() as client:
            deployment = await client.read_deployment_by_name(f"crawl-outlet/{DEPLOYMENT}")
            runs = await asyncio.gather(
                *(client.create_flow_run_from_deployment(deployment.id) for _ in range(2))
            )
            states: dict[UUID, Any] = {}
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                states = {run.id: (await client.read_flow_run(run.id)).state for run in runs}
                if all(state and state.type.value in FINAL_STATES for state in states.values()):
                    return states
                await asyncio.sleep(2)
    pytest.fail(f"the flow runs did not finish within 600 s: {states}")


def test_the_image_runs_newsarchive_and_any_other_command(image: str) -> None:
    """What deploy/README.md runs in it: the CLI's help by default, ``newsarchive ...``, and
    other programs, such as ``prefect``."""
    by_default = docker("run", "--rm", "--network", "host", image)
    assert "Usage: newsarchive [OPTIONS] COMMAND" in by_default.stdout
    listed = docker("run", "--rm", "--network", "host", image, "newsarchive", "list", check=False)
    assert (listed.returncode, listed.stderr) == (1, NO_ARCHIVE)  # in the image's working dir
    version = docker("run", "--rm", "--network", "host", image, "prefect", "version")
    assert "Version:" in version.stdout


def test_a_docker_pool_crawls_in_the_image_one_run_at_a_time(
    image: str, prefect_env: dict[str, str], tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    archive.chmod(0o777)  # written by the image's user, uid 10001
    job = {
        "image": image,
        "image_pull_policy": "Never",  # there is no registry to pull from
        "network_mode": "host",
        "auto_remove": True,
        "volumes": [f"{archive}:/archive"],
        "env": {
            "NEWSARCHIVE_HOME": "/archive",
            "NEWSARCHIVE_REPLAY": "1",
            # the worker hands its own Prefect settings to the runs: not its home folder
            "PREFECT_HOME": "/home/newsarchive/.prefect",
        },
    }
    prefect(["work-pool", "create", POOL, "--type", "docker"], prefect_env)
    log = tmp_path / "worker.log"
    worker_args = [str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--type", "docker"]
    worker = start(worker_args, prefect_env | {"PREFECT_WORKER_QUERY_SECONDS": "2"}, log)
    try:
        prefect_file = str(DEPLOY / "prefect.yaml")
        deploy = ["deploy", "--prefect-file", prefect_file, "--name", DEPLOYMENT, "--pool", POOL]
        prefect([*deploy, "--job-variable", json.dumps(job)], prefect_env)
        states = asyncio.run(run_twice_at_once(prefect_env))
    finally:
        stop(worker)

    outcomes = sorted((state.type.value, state.message) for state in states.values())
    assert [outcome for outcome, _ in outcomes] == ["CANCELLED", "COMPLETED"], log_tail(log)
    assert outcomes[0][1] == "Deployment concurrency limit reached."

    from newsarchive.replay.pages import load_pages

    listed = subprocess.run(
        [str(BIN / "newsarchive"), "list", "--json"],
        env=os.environ | {"NEWSARCHIVE_HOME": str(archive)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert {row["outlet"] for row in rows} == {OUTLET}
    assert {row["url"] for row in rows} == {page.live_url for page in load_pages()[OUTLET]}
