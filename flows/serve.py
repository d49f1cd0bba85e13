"""Deployments for one machine: one per outlet on its cron schedule, plus the fixity audit."""

from __future__ import annotations

import os
from collections.abc import Sequence

from prefect import serve
from prefect.deployments.runner import RunnerDeployment

from newsarchive.flows.crawl import crawl_outlet
from newsarchive.flows.fixity import audit_fixity
from newsarchive.spiders.outlets import Outlet


def build_deployments(
    outlets: Sequence[Outlet],
    *,
    outlets_file: str | None,
    replay: bool,
    fixity_schedule: str,
) -> list[RunnerDeployment]:
    """The deployments ``serve`` registers; parameters stay editable in the UI."""
    deployments = [
        RunnerDeployment.from_flow(
            crawl_outlet,
            name=outlet.name,
            cron=outlet.schedule,
            parameters={"outlet": outlet.name, "outlets_file": outlets_file, "replay": replay},
            description=f"Crawl {outlet.name} ({outlet.kind}: {', '.join(outlet.start_urls)})",
            tags=["newsarchive", f"outlet:{outlet.name}", *(["replay"] if replay else [])],
        )
        for outlet in outlets
    ]
    deployments.append(
        RunnerDeployment.from_flow(
            audit_fixity,
            name="fixity",
            cron=fixity_schedule,
            description="Re-read a sample of stored objects and compare SHA-256 with the catalog",
            tags=["newsarchive", "fixity"],
        )
    )
    return deployments


def serve_deployments(
    outlets: Sequence[Outlet], *, outlets_file: str | None, replay: bool, fixity_schedule: str
) -> None:
    """Register the deployments with the Prefect API and run their flows here until stopped."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    serve(
        *build_deployments(
            outlets, outlets_file=outlets_file, replay=replay, fixity_schedule=fixity_schedule
        )
    )
