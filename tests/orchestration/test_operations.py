"""What an operator sees of runs in a real Prefect server, and what reaches them.

A small loopback site stands in for a healthy outlet, and a closed port for
one whose site is down.  Runs go through the session's Prefect server: in
this process (as ``newsarchive crawl`` with ``PREFECT_API_URL`` does) and
through ``newsarchive serve``, whose deployments are paused, restarted and
alerting as an operator would have them.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from chromium import chromium, rendered, screenshot
from loopback import Reply, Site, html, rss
from prefect.client.schemas.objects import StateType
from prefect_harness import (
    BIN,
    PrefectServer,
    artifacts_of,
    create_runs,
    deployments_by_name,
    log_tail,
    newsarchive,
    start_process,
    stop_process,
    table_artifact,
    wait_for_final_state,
    wait_until,
)

from newsarchive.archiving.plan import RunRequest
from newsarchive.flows.crawl import crawl_all
from newsarchive.spiders.outlets import load_outlets

pytestmark = [pytest.mark.prefect, pytest.mark.timeout(600)]
RUN_NAME = re.compile(r"^healthy\+down \d{4}-\d{2}-\d{2} \d{2}:\d{2}Z$")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with Site() as running:
        running.page("/robots.txt", "User-agent: *\n", "text/plain")
        for n in range(2):
            words = " ".join(f"w{n}x{i}" for i in range(120))  # two unrelated texts
            running.page(f"/news/{n}.html", html(f"Story number {n}", words))
        rss(running, ["/news/0.html", "/news/1.html"])
        running.route("/hook", lambda _request: Reply(200, b"ok"))
        yield running


def outlets_toml(site: Site, *, dormant_enabled: bool = False, with_down: bool = True) -> str:
    def table(name: str, start: str, **extra: Any) -> str:
        fields = {
            "name": name,
            "kind": "feed",
            "start_urls": [start],
            "allowed_domains": ["127.0.0.1"],
            "download_delay": 0,
            "schedule": "0 4 * * *",
            "collection": "operations",
            **extra,
        }
        return "[[outlet]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in fields.items())

    down = [table("down", f"http://127.0.0.1:{closed_port()}/feed.xml")] if with_down else []
    return "\n".join(
        [
            table("healthy", site.url("/feed.xml"), stale_after_runs=1),
            *down,
            table("dormant", site.url("/feed.xml"), enabled=dormant_enabled),
        ]
    )


@pytest.fixture
def outlets_file(site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "outlets.toml"
    path.write_text(outlets_toml(site), encoding="utf-8")
    monkeypatch.setenv("NEWSARCHIVE_HOME", str(tmp_path / "archive"))
    return path


def run_flow(outlets_file: Path) -> tuple[UUID, Any]:
    state = asyncio.run(
        crawl_all(
            RunRequest(outlets=("healthy", "down"), outlets_file=outlets_file), return_state=True
        )
    )
    run_id = state.state_details.flow_run_id
    assert run_id is not None
    return run_id, state


async def run_name(run_id: UUID) -> str:
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        return str((await client.read_flow_run(run_id)).name)


async def task_runs_of(run_id: UUID) -> dict[str, Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async with get_client() as client:
        runs = await client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
        )
    return {run.name: run for run in runs}


def test_a_run_with_an_outlet_that_is_down_fails_and_says_which(
    prefect_api: str, outlets_file: Path
) -> None:
    run_id, state = run_flow(outlets_file)

    assert state.is_failed()
    assert re.fullmatch(
        r"1 of 2 outlets could not be crawled: down \(no discovery document could be read "
        r"\(http://127\.0\.0\.1:\d+/feed\.xml: connection refused\)\)",
        state.message,
    ), state.message
    runs = {run.outlet: run for run in state.result(raise_on_failure=False)}
    assert not runs["healthy"].failed and runs["healthy"].counts.new == 2
    assert runs["down"].failed

    tasks = asyncio.run(task_runs_of(run_id))
    assert tasks["crawl healthy"].state.type.value == "COMPLETED"
    assert tasks["crawl down"].state.type.value == "FAILED"
    assert tasks["crawl down"].state.message.startswith("down: no discovery document")

    assert RUN_NAME.match(asyncio.run(run_name(run_id)))

    artifacts = asyncio.run(artifacts_of(run_id))
    assert {"crawl-summary", "crawl-report-healthy", "crawl-report-down"} <= set(artifacts)
    assert str(artifacts["crawl-report-down"].data).startswith("# down\n\n**Failed**: ")
    assert "- <" + "http" in str(artifacts["crawl-report-healthy"].data)
    progress = artifacts["crawl-progress-healthy"]
    assert progress.type == "progress" and float(progress.data) == 100.0
    assert float(artifacts["crawl-progress-down"].data) == 0.0  # it fetched nothing
    summary = {row["outlet"]: row for row in asyncio.run(table_artifact(run_id, "crawl-summary"))}
    assert (summary["healthy"]["state"], summary["healthy"]["new"]) == ("completed", 2)
    assert summary["down"]["state"] == "failed"
    assert summary["down"]["reason"].startswith("no discovery document could be read (")


def test_a_name_typed_for_a_run_is_kept_and_a_generated_one_replaced(
    prefect_api: str, outlets_file: Path
) -> None:
    """What a worker does with the runs of the UI's *Custom run* (a name typed) and *Quick run*
    (the two words Prefect generates): create the run with its name, then run it."""
    from prefect.client.orchestration import get_client
    from prefect.flow_engine import run_flow_async

    parameters = {"request": RunRequest(outlets=("healthy",), outlets_file=outlets_file)}

    async def typed_and_generated() -> list[UUID]:
        async with get_client() as client:
            runs = [
                await client.create_flow_run(crawl_all, name=name, parameters=parameters)
                for name in ("Backfill for the audit, Ana", "brave-okapi")
            ]
        for run in runs:
            await run_flow_async(crawl_all, flow_run=run, parameters=parameters)
        return [run.id for run in runs]

    typed, generated = asyncio.run(typed_and_generated())
    assert asyncio.run(run_name(typed)) == "Backfill for the audit, Ana"
    assert re.fullmatch(r"healthy \d{4}-\d{2}-\d{2} \d{2}:\d{2}Z", asyncio.run(run_name(generated)))


@pytest.mark.browser
def test_the_ui_shows_the_failed_run_its_reason_and_each_outlet_s_artifacts(
    prefect_api: str, prefect_server: PrefectServer, outlets_file: Path
) -> None:
    run_id, _state = run_flow(outlets_file)
    with chromium("prefect-ui") as driver:
        page = f"{prefect_server.url}/runs/flow-run/{run_id}"
        rendered(
            driver, page, "Failed", "could not be crawled: down", asyncio.run(run_name(run_id))
        )
        screenshot(driver, "prefect-failed-run")

        listing = f"{prefect_server.url}/artifacts"
        keys = ("crawl-report-healthy", "crawl-report-down", "crawl-progress-healthy")
        rendered(driver, listing, *keys)
        screenshot(driver, "prefect-artifacts")


class Serve:
    """``newsarchive serve`` with an outlets file, started and stopped like an operator does."""

    def __init__(self, server: PrefectServer, outlets: Path, workdir: Path, *args: str) -> None:
        self.server, self.outlets, self.workdir, self.args = server, outlets, workdir, args
        self.env = {
            **{
                k: v
                for k, v in server.client_env().items()
                if not k.startswith(("NEWSARCHIVE_", "AWS_"))
            },
            "NEWSARCHIVE_HOME": str(workdir / "archive"),
            "NEWSARCHIVE_STALE_AFTER": "0s",  # stale on the first poll without news
        }
        self.log = workdir / "serve.log"
        self.process: Any = None

    def start(self) -> None:
        command = [
            str(BIN / "newsarchive"),
            "serve",
            "--per-outlet",
            "--fleet-every",
            "1d",  # the fleet's own runs stay out of these tests' way
            "--outlets-file",
            str(self.outlets),
        ]
        self.process = start_process([*command, *self.args], self.env, self.log, self.workdir)
        listed = {o.name for o in load_outlets(self.outlets)}
        wanted = listed | {"fixity", "operations"}

        def registered() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"serve exited {self.process.returncode}:\n{log_tail(self.log)}")
            body = {"deployments": {"name": {"any_": sorted(wanted)}}}
            found = self.server.post("/deployments/filter", body)
            fresh = [d for d in found if d["updated"] >= self.started_at]
            return {d["name"] for d in fresh} == wanted

        self.started_at = asyncio.run(_server_now())
        wait_until(registered, timeout=120, what="serve to register its deployments")

    def stop(self) -> None:
        assert stop_process(self.process, signal.SIGINT), log_tail(self.log)


async def _server_now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat()


async def pause(deployment_id: UUID) -> None:
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        await client.pause_deployment(deployment_id)


async def crawl_all_runs() -> dict[UUID, Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    async with get_client() as client:
        runs = await client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["crawl-all"]))
        )
    return {run.id: run for run in runs}


def test_a_crawl_runs_on_the_server_the_operator_s_prefect_profile_names(
    prefect_api: str, site: Site, tmp_path: Path
) -> None:
    """``prefect config set PREFECT_API_URL=...`` is how operators name their server.

    The command must run there, not on a temporary server of its own that
    nobody sees, though ``PREFECT_API_URL`` is not in its environment.
    """
    home = tmp_path / "prefect-home"
    home.mkdir()
    (home / "profiles.toml").write_text(
        f'active = "ops"\n\n[profiles.ops]\nPREFECT_API_URL = "{prefect_api}"\n', encoding="utf-8"
    )
    (tmp_path / "outlets.toml").write_text(outlets_toml(site), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSARCHIVE_"))}
    env |= {"PREFECT_HOME": str(home), "NEWSARCHIVE_HOME": str(tmp_path / "archive")}
    before = asyncio.run(crawl_all_runs())

    crawl = newsarchive(
        ["crawl", "healthy", "--outlets-file", "outlets.toml", "--json"], env, tmp_path
    )

    assert json.loads(crawl.stdout)["status"] == "completed"
    new = [run for run_id, run in asyncio.run(crawl_all_runs()).items() if run_id not in before]
    assert [(run.name.split(" ")[0], run.state_type) for run in new] == [
        ("healthy", StateType.COMPLETED)
    ]


def test_pauses_stick_across_serve_restarts_and_the_outlets_file_disables(
    prefect_api: str, prefect_server: PrefectServer, site: Site, tmp_path: Path
) -> None:
    outlets = tmp_path / "outlets.toml"
    outlets.write_text(outlets_toml(site), encoding="utf-8")
    serve = Serve(prefect_server, outlets, tmp_path)
    serve.start()
    try:
        found = asyncio.run(deployments_by_name())
        assert found["dormant"]["paused"] is True and "disabled" in found["dormant"]["tags"]
        assert found["healthy"]["paused"] is False
        asyncio.run(pause(found["healthy"]["id"]))  # as the UI's toggle does
    finally:
        serve.stop()

    serve.start()  # a restart keeps both pauses
    try:
        found = asyncio.run(deployments_by_name())
        assert found["healthy"]["paused"] is True
        assert found["dormant"]["paused"] is True
        assert found["down"]["paused"] is False
    finally:
        serve.stop()

    outlets.write_text(outlets_toml(site, dormant_enabled=True), encoding="utf-8")
    serve.start()  # enabled in the file again: unpaused; the operator's pause still holds
    try:
        found = asyncio.run(deployments_by_name())
        assert found["dormant"]["paused"] is False and "disabled" not in found["dormant"]["tags"]
        assert found["healthy"]["paused"] is True
    finally:
        serve.stop()


def test_serve_deletes_the_deployments_of_outlets_that_left_the_file(
    prefect_api: str, prefect_server: PrefectServer, site: Site, tmp_path: Path
) -> None:
    outlets = tmp_path / "outlets.toml"
    outlets.write_text(outlets_toml(site), encoding="utf-8")
    serve = Serve(prefect_server, outlets, tmp_path)
    serve.start()
    serve.stop()
    assert "down" in asyncio.run(deployments_by_name())

    outlets.write_text(outlets_toml(site, with_down=False), encoding="utf-8")
    serve.start()
    try:
        found = asyncio.run(deployments_by_name())
        assert "down" not in found
        assert {"healthy", "dormant", "operations", "fixity"} <= set(found)
        told = "deleted deployment crawl-outlet/down: nothing in the outlets file asks for it"
        assert told in serve.log.read_text(encoding="utf-8")
    finally:
        serve.stop()


def make_webhook_block(url: str) -> None:
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    CustomWebhookNotificationBlock(
        name="newsarchive test", url=url, json_data={"subject": "{{subject}}", "body": "{{body}}"}
    ).save("newsarchive-alerts", overwrite=True)


def test_alerts_reach_a_webhook_for_a_failed_run_and_a_stale_outlet(
    prefect_api: str, prefect_server: PrefectServer, site: Site, tmp_path: Path
) -> None:
    make_webhook_block(site.url("/hook"))
    outlets = tmp_path / "outlets.toml"
    outlets.write_text(outlets_toml(site), encoding="utf-8")
    serve = Serve(
        prefect_server, outlets, tmp_path, "--notify", "custom-webhook/newsarchive-alerts"
    )
    serve.start()
    try:
        found = asyncio.run(deployments_by_name())
        runs = asyncio.run(create_runs([(found["down"]["id"], {}), (found["healthy"]["id"], {})]))
        states = asyncio.run(wait_for_final_state(runs, timeout=240))
        assert list(states.values()) == ["FAILED", "COMPLETED"], log_tail(serve.log)
        (again,) = asyncio.run(create_runs([(found["healthy"]["id"], {})]))  # nothing new now
        assert asyncio.run(wait_for_final_state([again], timeout=240))[again] == "COMPLETED"

        def delivered() -> list[dict[str, str]]:
            return [json.loads(r.body) for r in site.requests if r.path == "/hook"]

        def both_arrived() -> bool:
            bodies = " ".join(n["body"] for n in delivered())
            return "down: no discovery document" in bodies and "healthy: no new article" in bodies

        wait_until(both_arrived, timeout=120, what="both notifications at the webhook")
        subjects = [n["subject"] for n in delivered()]
        assert sorted(subjects) == ["newsarchive: down is failing", "newsarchive: healthy is stale"]
    finally:
        serve.stop()
