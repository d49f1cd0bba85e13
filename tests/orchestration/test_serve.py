"""``newsarchive serve --replay`` against a real Prefect server: deployments, a run, the UI.

The served process is the one-machine path of the README: it registers one
deployment per outlet plus ``fixity`` and executes their runs itself.  A run
is triggered through the API, as the UI's *Run* button does, and its result
is checked where an operator would look: the archive (through the CLI) and
the run's ``crawl-summary`` artifact.  Chromium then renders the UI's
deployments page to prove the deployments are what operators see.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from chromium import chromium, rendered, screenshot
from prefect_harness import (
    BIN,
    PrefectServer,
    archived_urls,
    create_runs,
    deployments_by_name,
    json_lines,
    log_tail,
    newsarchive,
    replay_article_urls,
    start_process,
    stop_process,
    table_artifact,
    wait_for_final_state,
    wait_until,
)

from newsarchive.replay import replay_outlets as as_replayed
from newsarchive.spiders.outlets import Outlet, builtin_outlets_path, load_outlets

RUN_TIMEOUT = 300.0
# Bounded above the run's own wait, so a stuck run fails with its log rather than a bare timeout.
pytestmark = [pytest.mark.prefect, pytest.mark.timeout(RUN_TIMEOUT + 180)]


def replay_outlets() -> list[Outlet]:
    """The outlets as ``serve --replay`` registers them."""
    return as_replayed(load_outlets(builtin_outlets_path()))


@dataclass(frozen=True)
class Served:
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    workdir: Path
    log: Path


@pytest.fixture(scope="module")
def served(
    prefect_server: PrefectServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """``newsarchive serve --replay`` with a private archive, until its deployments are up."""
    workdir = tmp_path_factory.mktemp("serve")
    # Module fixtures start before the per-test clean environment: drop the caller's settings.
    inherited = prefect_server.client_env().items()
    env = {k: v for k, v in inherited if not k.startswith(("NEWSARCHIVE_", "AWS_"))}
    env["NEWSARCHIVE_HOME"] = str(workdir / "archive")
    log = workdir / "serve.log"
    process = start_process([str(BIN / "newsarchive"), "serve", "--replay"], env, log, workdir)
    replayed = {"deployments": {"tags": {"all_": ["replay"]}}}  # serve tags replay deployments
    fixity = {"deployments": {"name": {"any_": ["fixity"]}}}

    def registered() -> bool:
        # serve registers its deployments one by one: wait for the last (fixity) too
        if process.poll() is not None:
            pytest.fail(f"newsarchive serve exited {process.returncode}:\n{log_tail(log)}")
        outlets = prefect_server.post("/deployments/filter", replayed)
        return len(outlets) == len(replay_outlets()) and bool(
            prefect_server.post("/deployments/filter", fixity)
        )

    try:
        wait_until(registered, timeout=120, what="serve to register its deployments")
        yield Served(process, env, workdir, log)
    finally:
        graceful = stop_process(process, signal.SIGINT)
        assert graceful, f"newsarchive serve ignored SIGINT:\n{log_tail(log)}"


def test_serve_registers_one_deployment_per_outlet_and_fixity(
    served: Served, prefect_api: str
) -> None:
    deployments = asyncio.run(deployments_by_name())
    outlets = replay_outlets()
    # the session's server also holds other tests' deployments
    assert {o.name for o in outlets} | {"fixity"} <= set(deployments)
    for outlet in outlets:
        deployment = deployments[outlet.name]
        assert deployment["flow"] == "crawl-outlet"
        assert deployment["crons"] == [outlet.schedule]
        assert deployment["parameters"]["outlet"] == outlet.name
        assert set(deployment["parameters"]) == {"outlet", "outlets_file"}  # no replay in them
        assert "replay" in deployment["tags"]
    assert deployments["fixity"]["flow"] == "audit-fixity"
    assert deployments["fixity"]["crons"] == ["0 3 * * *"]


def test_triggered_run_archives_the_outlet_and_publishes_its_summary(
    served: Served, prefect_api: str
) -> None:
    outlet = replay_outlets()[0].name
    deployment = asyncio.run(deployments_by_name())[outlet]
    (run_id,) = asyncio.run(create_runs([(deployment["id"], {})]))
    states = asyncio.run(wait_for_final_state([run_id], timeout=RUN_TIMEOUT))
    assert states[run_id] == "COMPLETED", f"run ended {states[run_id]}:\n{log_tail(served.log)}"

    listed = json_lines(
        newsarchive(["list", "--outlet", outlet, "--json"], served.env, served.workdir).stdout
    )
    assert len({row["url"] for row in listed}) == len(listed), "an article is listed twice"
    assert archived_urls(listed) == {outlet: replay_article_urls()[outlet]}

    (summary,) = asyncio.run(table_artifact(run_id, "crawl-summary"))
    assert summary["outlet"] == outlet
    assert summary["new"] + summary["duplicate"] == len(listed), summary
    assert summary["discovered"] >= summary["fetched"] >= len(listed), summary


@pytest.mark.browser
def test_ui_deployments_page_lists_every_deployment(
    served: Served, prefect_server: PrefectServer, prefect_api: str
) -> None:
    """The UI renders each deployment as a link to its own page, named as registered."""
    from lxml import html

    deployments = asyncio.run(deployments_by_name())
    hrefs = [f"/deployments/deployment/{d['id']}" for d in deployments.values()]
    with chromium("prefect-ui") as driver:
        dom = rendered(driver, f"{prefect_server.url}/deployments", *hrefs)
        screenshot(driver, "prefect-deployments")
    links = {
        anchor.get("href", "").rsplit("/", 1)[-1]: anchor.text_content().strip()
        for anchor in html.fromstring(dom).iter("a")
        if "/deployments/deployment/" in anchor.get("href", "")
    }
    assert links == {str(d["id"]): name for name, d in deployments.items()}
