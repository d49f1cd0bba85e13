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
from datetime import timedelta
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
    markdown_artifact,
    newsarchive,
    replay_article_urls,
    start_process,
    stop_process,
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
        fleets = prefect_server.post("/deployments/filter", replayed)
        return len(fleets) == 1 and bool(prefect_server.post("/deployments/filter", fixity))

    try:
        wait_until(registered, timeout=120, what="serve to register its deployments")
        yield Served(process, env, workdir, log)
    finally:
        graceful = stop_process(process, signal.SIGINT)
        assert graceful, f"newsarchive serve ignored SIGINT:\n{log_tail(log)}"


def test_serve_registers_one_fleet_deployment_for_the_collection_and_fixity(
    served: Served, prefect_api: str
) -> None:
    deployments = asyncio.run(deployments_by_name())
    fleet = deployments["default"]  # the seed outlets' one collection; none of their own
    assert fleet["flow"] == "crawl-fleet"
    assert fleet["intervals"] == [timedelta(minutes=5)]
    assert fleet["parameters"] == {"collection": "default", "outlets_file": None}
    assert "replay" in fleet["tags"]
    assert not {o.name for o in replay_outlets()} & {
        name for name, d in deployments.items() if d["flow"] == "crawl-outlet"
    }
    assert deployments["fixity"]["flow"] == "audit-fixity"
    assert deployments["fixity"]["crons"] == ["0 3 * * *"]


def test_a_fleet_run_polls_every_due_outlet_and_shows_the_fleet(
    served: Served, prefect_api: str
) -> None:
    deployment = asyncio.run(deployments_by_name())["default"]
    (run_id,) = asyncio.run(create_runs([(deployment["id"], {})]))
    states = asyncio.run(wait_for_final_state([run_id], timeout=RUN_TIMEOUT))
    assert states[run_id] == "COMPLETED", f"run ended {states[run_id]}:\n{log_tail(served.log)}"

    listed = json_lines(newsarchive(["list", "--json"], served.env, served.workdir).stdout)
    assert len({row["url"] for row in listed}) == len(listed), "an article is listed twice"
    assert archived_urls(listed) == replay_article_urls()
    fleet = asyncio.run(markdown_artifact(run_id, "fleet-run"))
    assert f"# Fleet run: {len(replay_outlets())} outlet(s) polled" in fleet
    health = json_lines(
        newsarchive(["outlets", "health", "--json"], served.env, served.workdir).stdout
    )
    assert {row["status"] for row in health} == {"working"}
    assert all(row["next_due"] for row in health)


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
