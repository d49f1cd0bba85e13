"""Processes and Prefect API look-ups shared by the orchestration tests.

Each process (``prefect server``, ``newsarchive serve``, ``prefect worker``)
is started in its own process group with its output in a log file, so a
failure can show the log's tail and teardown can end the process and its
flow-run children together, by process group id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
FINAL_STATES = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class PrefectServer:
    """Where the session's Prefect server answers, and the environment that points at it."""

    url: str  # http://127.0.0.1:PORT
    home: Path
    log: Path

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    def client_env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """Environment for a process that talks to this server, with a private PREFECT_HOME."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env.update(
            PREFECT_API_URL=self.api_url,
            PREFECT_HOME=str(self.home / "client"),
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            PREFECT_CLI_PROMPT="false",
            PYTHONUNBUFFERED="1",
        )
        env.update(extra or {})
        return env

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def post(self, path: str, body: Mapping[str, Any]) -> Any:
        """One JSON POST to the API, for polling from synchronous code."""
        request = urllib.request.Request(
            f"{self.api_url}{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)


def wait_until(
    condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.5
) -> None:
    """Poll ``condition`` until it holds; fail the test naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")


def start_process(
    args: list[str], env: Mapping[str, str], log: Path, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start a long-running process in a new process group, its output going to ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(
            args,
            env=dict(env),
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_process(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> bool:
    """Signal the process group and wait; returns False when it had to be killed."""
    graceful = True
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            graceful = False
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        except ProcessLookupError:
            pass
    # Flow-run children may outlive their parent in the group: end them too.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return graceful


def log_tail(log: Path, lines: int = 60) -> str:
    """The end of a process log, to explain a failure in the test report."""
    if not log.exists():
        return "(no log)"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def newsarchive(
    args: list[str], env: Mapping[str, str], cwd: Path, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run the ``newsarchive`` CLI as an operator would; fail with its stderr when it fails."""
    result = subprocess.run(
        [str(BIN / "newsarchive"), *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check and result.returncode != 0:
        pytest.fail(f"newsarchive {' '.join(args)} exited {result.returncode}: {result.stderr}")
    return result


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def replay_article_urls() -> dict[str, set[str]]:
    """Outlet -> the live URLs of the replay site's articles: what a replay crawl must archive.

    Replayed articles are archived under the live URL their replica stands for.
    """
    from newsarchive.replay.pages import load_pages

    pages = load_pages()
    return {outlet: {page.live_url for page in found} for outlet, found in pages.items()}


def archived_urls(rows: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Outlet -> the URLs of the archived articles listed in ``rows``."""
    urls: dict[str, set[str]] = {}
    for row in rows:
        urls.setdefault(row["outlet"], set()).add(row["url"])
    return urls


async def deployments_by_name() -> dict[str, dict[str, Any]]:
    """Every deployment on the server: name -> flow name, schedules, parameters, pool."""
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        found = {}
        for deployment in await client.read_deployments():
            flow = await client.read_flow(deployment.flow_id)
            found[deployment.name] = {
                "id": deployment.id,
                "flow": flow.name,
                "crons": [getattr(s.schedule, "cron", None) for s in deployment.schedules],
                "intervals": [getattr(s.schedule, "interval", None) for s in deployment.schedules],
                "timezones": [getattr(s.schedule, "timezone", None) for s in deployment.schedules],
                "parameters": deployment.parameters,
                "work_pool": deployment.work_pool_name,
                "pull_steps": deployment.pull_steps,
                "paused": deployment.paused,
                "active": [s.active for s in deployment.schedules],
                "tags": deployment.tags,
            }
        return found


async def create_runs(requests: list[tuple[UUID, dict[str, Any]]]) -> list[UUID]:
    """One flow run per (deployment id, parameter overrides), created together.

    This is what the UI's *Run* -> *Custom run* does: the overrides are merged
    into the deployment's own parameters by the server.
    """
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        runs = await asyncio.gather(
            *(
                client.create_flow_run_from_deployment(deployment, parameters=parameters)
                for deployment, parameters in requests
            )
        )
    return [run.id for run in runs]


async def wait_for_final_state(run_ids: list[UUID], timeout: float) -> dict[UUID, str]:
    """Poll the runs until each reached a final state; returns run id -> state type."""
    from prefect.client.orchestration import get_client

    states: dict[UUID, str] = {}
    deadline = time.monotonic() + timeout
    async with get_client() as client:
        while time.monotonic() < deadline:
            for run_id in run_ids:
                run = await client.read_flow_run(run_id)
                states[run_id] = run.state.type.value if run.state else "PENDING"
            if all(state in FINAL_STATES for state in states.values()):
                return states
            await asyncio.sleep(2)
    pytest.fail(f"flow runs did not finish within {timeout:.0f}s: {states}")


@dataclass(frozen=True)
class Claim:
    """Who ran a flow run, as the server recorded it, and how often it entered each state."""

    worker: str | None  # the ``prefect.worker.name`` label a worker gives the runs it submits
    states: tuple[str, ...]  # state names in order: Scheduled, Pending, Submitting, Running, ...


async def run_claims(run_ids: list[UUID]) -> dict[UUID, Claim]:
    """The server's record of which worker took each run and the states it went through.

    A worker logs "submitting flow run" *before* it asks the server for the run
    (by proposing PENDING); the server refuses every proposal but the first, so
    that log line says nothing about who ran it.  The labels and the state
    history are the server's own account.
    """
    from prefect.client.orchestration import get_client

    claims = {}
    async with get_client() as client:
        for run_id in run_ids:
            run = await client.read_flow_run(run_id)
            history = await client.read_flow_run_states(run_id)
            ordered = sorted(history, key=lambda state: state.timestamp)
            claims[run_id] = Claim(
                worker=(run.labels or {}).get("prefect.worker.name"),
                states=tuple(str(state.name) for state in ordered),
            )
    return claims


async def artifacts_of(run_id: UUID) -> dict[str, Any]:
    """Artifact key -> artifact, of one flow run (task runs' artifacts included)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async with get_client() as client:
        found = await client.read_artifacts(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
        )
    return {artifact.key: artifact for artifact in found if artifact.key}


async def markdown_artifact(run_id: UUID, key: str) -> str:
    """The text of the run's markdown artifact ``key`` (``crawl-report-<outlet>``, say)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterKey,
        FlowRunFilter,
        FlowRunFilterId,
    )

    async with get_client() as client:
        (artifact,) = await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])),
        )
    assert artifact.type == "markdown"
    return str(artifact.data)


async def table_artifact(run_id: UUID, key: str) -> list[dict[str, Any]]:
    """The rows of the run's table artifact ``key`` (``crawl-summary``, ``fixity-audit``)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterKey,
        FlowRunFilter,
        FlowRunFilterId,
    )

    async with get_client() as client:
        artifacts = await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])),
        )
    assert len(artifacts) == 1, f"run {run_id} has {len(artifacts)} {key} artifacts"
    assert artifacts[0].type == "table"
    data = artifacts[0].data
    rows = json.loads(data) if isinstance(data, str) else data
    assert isinstance(rows, list)
    return rows
