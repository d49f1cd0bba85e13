"""An outlet's change of state in a real flow run: an outlet gone quiet raises one event.

The flow runs in this process against the session's Prefect server, as
``newsarchive crawl`` does with ``PREFECT_API_URL`` set.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest
from prefect_harness import PrefectServer, markdown_artifact, wait_until

from newsarchive.flows.crawl import crawl_outlet

pytestmark = [pytest.mark.prefect, pytest.mark.timeout(300)]


def run_once(outlet: str) -> UUID:
    state = asyncio.run(crawl_outlet(outlet=outlet, return_state=True))
    assert state.is_completed(), state
    run_id = state.state_details.flow_run_id
    assert run_id is not None
    return run_id


def test_an_outlet_without_new_articles_raises_the_stale_event(
    prefect_api: str,
    prefect_server: PrefectServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("NEWSARCHIVE_HOME", str(tmp_path / "archive"))
    monkeypatch.setenv("NEWSARCHIVE_STALE_AFTER_RUNS", "1")
    monkeypatch.setenv("NEWSARCHIVE_STALE_AFTER", "0s")
    monkeypatch.setenv("NEWSARCHIVE_REPLAY", "1")  # the replica stands in for the live site

    started = datetime.now(UTC)  # the session's server holds other tests' events too
    first, second, third = run_once("vanguard"), run_once("vanguard"), run_once("vanguard")

    assert "## Alerts" not in asyncio.run(markdown_artifact(first, "crawl-report-vanguard"))
    report = asyncio.run(markdown_artifact(second, "crawl-report-vanguard"))
    assert "newsarchive.outlet.stale" in report
    assert "vanguard: no new article since" in report and "**Stale**" in report
    still = asyncio.run(markdown_artifact(third, "crawl-report-vanguard"))
    assert "**Stale**" in still and "## Alerts" not in still  # raised once, not every run
    # the replica's traps are in the report too: the broken ones failed, the declined skipped
    assert "### Failed" in report and "redirect-loop" in report
    assert "### Skipped on purpose" in report and "- refused: 1" in report

    query = {
        "filter": {
            "event": {"name": ["newsarchive.outlet.stale"]},
            "occurred": {"since": started.isoformat()},
        },
        "limit": 10,
    }

    def stale_events() -> list[dict]:
        return list(prefect_server.post("/events/filter", query)["events"])

    wait_until(lambda: bool(stale_events()), timeout=30, what="the stale event")
    (event,) = stale_events()
    assert event["resource"]["prefect.resource.id"] == "newsarchive.outlet.vanguard"
