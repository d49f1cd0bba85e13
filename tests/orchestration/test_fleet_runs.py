"""Fleet runs in a real Prefect server: one run, one artifact, outcomes in the catalog.

A crawl of more outlets than :data:`~newsarchive.flows.crawl.TASKS_UP_TO`
and a fleet cycle create no task run and no artifact per outlet: what the
run did for each outlet is in the catalog, and the run shows the fleet.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from loopback import Site, html, rss
from prefect_harness import artifacts_of, markdown_artifact

from newsarchive.archiving.plan import RunRequest
from newsarchive.config import Settings
from newsarchive.flows.crawl import TASKS_UP_TO, crawl_all
from newsarchive.flows.digest import digest_outlets
from newsarchive.flows.fleet import crawl_fleet
from newsarchive.storage import Archive

pytestmark = [pytest.mark.prefect, pytest.mark.timeout(600)]
OUTLETS = TASKS_UP_TO + 4


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with Site() as running:
        running.page("/robots.txt", "User-agent: *\n", "text/plain")
        for n in range(OUTLETS):
            words = " ".join(f"o{n}w{i}" for i in range(120))
            running.page(f"/o{n}/story.html", html(f"Story of outlet {n}", words))
            rss(running, [f"/o{n}/story.html"], f"/o{n}/feed.xml", ("ETag", f'"o{n}"'))
        running.page("/dead/feed.xml", "gone", "text/plain")
        yield running


@pytest.fixture
def outlets_file(site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    def table(name: str, feed: str) -> str:
        fields: dict[str, Any] = {
            "name": name,
            "kind": "feed",
            "start_urls": [site.url(feed)],
            "allowed_domains": ["127.0.0.1"],
            "download_delay": 0,
        }
        return "[[outlet]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in fields.items())

    path = tmp_path / "outlets.toml"
    tables = [table(f"o{n}", f"/o{n}/feed.xml") for n in range(OUTLETS)]
    path.write_text("\n".join([*tables, table("dead", "/dead/feed.xml")]), encoding="utf-8")
    monkeypatch.setenv("NEWSARCHIVE_HOME", str(tmp_path / "archive"))
    return path


async def task_run_count(run_id: UUID) -> int:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async with get_client() as client:
        runs = await client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
        )
    return len(runs)


def run_id_of(state: Any) -> UUID:
    run_id = state.state_details.flow_run_id
    assert run_id is not None
    return UUID(str(run_id))


def test_a_crawl_of_many_outlets_is_one_fleet_run(
    prefect_api: str, outlets_file: Path, tmp_path: Path
) -> None:
    state = asyncio.run(crawl_all(RunRequest(outlets_file=outlets_file), return_state=True))
    runs = state.result(raise_on_failure=False)
    assert state.is_failed() and "dead" in str(state.message)  # the run names its failing outlet
    assert sorted(run.outlet for run in runs if run.counts.new == 1) == sorted(
        f"o{n}" for n in range(OUTLETS)
    )
    run_id = run_id_of(state)
    assert asyncio.run(task_run_count(run_id)) == 0
    assert set(asyncio.run(artifacts_of(run_id))) == {"fleet-run"}
    fleet = asyncio.run(markdown_artifact(run_id, "fleet-run"))
    assert f"# Fleet run: {OUTLETS + 1} outlet(s) polled" in fleet
    assert "- dead: working → failing" in fleet and "### Failing (1)" in fleet
    settings = Settings(home=tmp_path / "archive")
    with Archive.open(settings.database_url, settings.store_url) as archive:
        states = archive.outlet_states()
    assert states["dead"].status.value == "failing"
    assert {states[f"o{n}"].status.value for n in range(OUTLETS)} == {"working"}

    digest = asyncio.run(digest_outlets(return_state=True))
    assert digest.result() == 1
    text = asyncio.run(markdown_artifact(run_id_of(digest), "outlets-digest"))
    assert "# Outlets needing someone (1)" in text and "- dead: failing (" in text


def test_a_fleet_cycle_polls_what_is_due_then_nothing(prefect_api: str, outlets_file: Path) -> None:
    first = asyncio.run(crawl_fleet(outlets_file=str(outlets_file), return_state=True))
    assert first.is_completed(), first.message  # an outlet failing fails no fleet run
    assert f"{OUTLETS + 1} outlet(s) polled, 1 failing" == first.message
    assert asyncio.run(task_run_count(run_id_of(first))) == 0
    second = asyncio.run(crawl_fleet(outlets_file=str(outlets_file), return_state=True))
    assert second.message == "0 outlet(s) polled, 0 failing"
