"""Deployments for one machine: one per outlet on its cron schedule, plus the fixity audit.

A pause is the operator's: ``serve`` never undoes one.  Restarting it keeps a
deployment or a schedule paused in the UI as it was (and does not pause
everything on shutdown, which would make a restart unpause everything).  An
outlet with ``enabled = false`` is registered paused, tagged ``disabled``;
enabling it again in the file unpauses it, and only then.  A crawl
deployment runs one flow run at a time: a run due while the last one is
still going (or piled up while ``serve`` was down) is cancelled, not queued.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from prefect import serve
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment
from prefect.exceptions import ObjectNotFound
from prefect.schedules import Cron

from newsarchive.flows.alerts import ensure_automations
from newsarchive.flows.crawl import crawl_outlet
from newsarchive.flows.fixity import audit_fixity
from newsarchive.spiders.outlets import Outlet

DISABLED_TAG = "disabled"
ONE_AT_A_TIME = ConcurrencyLimitConfig(
    limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
)


@dataclass(frozen=True)
class Registered:
    """What the server already holds for a deployment: its pause, its tags, paused crons."""

    paused: bool = False
    tags: frozenset[str] = frozenset()
    inactive_crons: frozenset[str] = field(default_factory=frozenset)


async def registered(names: Sequence[str]) -> dict[str, Registered]:
    """``flow/deployment`` name -> its state on the server (absent when not registered yet)."""
    found = {}
    async with get_client() as client:
        for name in names:
            try:
                deployment = await client.read_deployment_by_name(name)
            except ObjectNotFound:
                continue
            found[name] = Registered(
                paused=bool(deployment.paused),
                tags=frozenset(deployment.tags or ()),
                inactive_crons=frozenset(
                    str(getattr(s.schedule, "cron", ""))
                    for s in deployment.schedules
                    if not s.active
                ),
            )
    return found


def _paused(outlet: Outlet, earlier: Registered | None) -> bool:
    if not outlet.enabled:
        return True
    if earlier is None or DISABLED_TAG in earlier.tags:
        return False  # new, or paused only because the outlets file disabled it
    return earlier.paused


def build_deployments(
    outlets: Sequence[Outlet],
    *,
    outlets_file: str | None,
    replay: bool,
    fixity_schedule: str,
    earlier: dict[str, Registered] | None = None,
) -> list[RunnerDeployment]:
    """The deployments ``serve`` registers; parameters stay editable in the UI.

    ``replay`` only tags them: the runs crawl the replica because the served
    process's environment says so (``NEWSARCHIVE_REPLAY``), which each run
    inherits.
    """
    earlier = earlier or {}
    deployments = []
    for outlet in outlets:
        before = earlier.get(f"{crawl_outlet.name}/{outlet.name}")
        active = before is None or outlet.schedule not in before.inactive_crons
        deployments.append(
            RunnerDeployment.from_flow(
                crawl_outlet,
                name=outlet.name,
                schedules=[Cron(outlet.schedule, timezone="UTC", active=active)],
                paused=_paused(outlet, before),
                concurrency_limit=ONE_AT_A_TIME,
                parameters={"outlet": outlet.name, "outlets_file": outlets_file},
                description=f"Crawl {outlet.name} ({outlet.kind}: {', '.join(outlet.start_urls)})",
                tags=[
                    "newsarchive",
                    f"outlet:{outlet.name}",
                    *(["replay"] if replay else []),
                    *([DISABLED_TAG] if not outlet.enabled else []),
                ],
            )
        )
    fixity = earlier.get(f"{audit_fixity.name}/fixity")
    deployments.append(
        RunnerDeployment.from_flow(
            audit_fixity,
            name="fixity",
            schedules=[
                Cron(
                    fixity_schedule,
                    timezone="UTC",
                    active=fixity is None or fixity_schedule not in fixity.inactive_crons,
                )
            ],
            paused=bool(fixity and fixity.paused),
            description="Re-read a sample of stored objects and compare SHA-256 with the catalog",
            tags=["newsarchive", "fixity"],
        )
    )
    return deployments


def serve_deployments(
    outlets: Sequence[Outlet],
    *,
    outlets_file: str | None,
    replay: bool,
    fixity_schedule: str,
    notify: str | None = None,
) -> None:
    """Register the deployments (and alerts, with ``notify``) and run their flows until stopped."""
    if notify:
        asyncio.run(ensure_automations(notify))
    names = [f"{crawl_outlet.name}/{o.name}" for o in outlets] + [f"{audit_fixity.name}/fixity"]
    earlier = asyncio.run(registered(names))
    deployments = build_deployments(
        outlets,
        outlets_file=outlets_file,
        replay=replay,
        fixity_schedule=fixity_schedule,
        earlier=earlier,
    )
    serve(*deployments, pause_on_shutdown=False)
