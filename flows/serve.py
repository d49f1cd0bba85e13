"""Deployments for one machine: a fleet per collection, outlets of their own, the audits.

Their number does not grow with the outlets: each collection of the outlets
file gets one fleet deployment (``crawl-fleet/<collection>``) that runs every
few minutes and polls whatever of it is due.  An outlet gets a deployment of
its own (``crawl-outlet/<outlet>``, on its cron) only when it asks
(``deployment = true``) or when ``serve --per-outlet`` gives every outlet
one, for small setups and outlets an operator drives by hand.  Deployments
that ``serve`` registered earlier for outlets or collections that have left
the file are deleted (only those: ``serve`` tags what it owns).

A pause is the operator's: ``serve`` never undoes one.  Restarting it keeps a
deployment or a schedule paused in the UI as it was (and does not pause
everything on shutdown, which would make a restart unpause everything).  An
outlet with ``enabled = false`` has its own deployment registered paused,
tagged ``disabled``; enabling it again in the file unpauses it, and only
then.  A crawl deployment runs one flow run at a time: a run due while the
last one is still going (or piled up while ``serve`` was down) is cancelled,
not queued.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from prefect import Flow, serve
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment
from prefect.exceptions import ObjectNotFound
from prefect.schedules import Cron, Interval

from newsarchive.flows.alerts import ensure_automations
from newsarchive.flows.crawl import crawl_outlet
from newsarchive.flows.digest import digest_outlets
from newsarchive.flows.fixity import audit_fixity
from newsarchive.flows.fleet import crawl_fleet
from newsarchive.spiders.outlets import Outlet

FLEET_EVERY = timedelta(minutes=5)
"""How often a fleet deployment runs, to poll whatever is due by then."""
DISABLED_TAG = "disabled"
PROJECT_TAG = "newsarchive"
OWN_CRON = "0 * * * *"
"""The cron of an outlet's own deployment when the outlet pins none."""
ONE_AT_A_TIME = ConcurrencyLimitConfig(
    limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
)
CRAWL_FLOWS = (crawl_outlet.name, crawl_fleet.name, digest_outlets.name)
"""The flows whose deployments ``serve`` deletes when nothing asks for them any more."""


@dataclass(frozen=True)
class Registered:
    """What the server already holds for a deployment: its pause, its tags, paused schedules."""

    paused: bool = False
    tags: frozenset[str] = frozenset()
    inactive: frozenset[str] = field(default_factory=frozenset)


def schedule_key(schedule: object) -> str:
    """A schedule as text, to tell whether an operator paused this one: its cron or interval."""
    cron = getattr(schedule, "cron", None)
    if cron:
        return str(cron)
    interval = getattr(schedule, "interval", None)
    seconds = interval.total_seconds() if isinstance(interval, timedelta) else interval
    return f"every {seconds:g}s" if seconds else repr(schedule)


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
                inactive=frozenset(
                    schedule_key(s.schedule) for s in deployment.schedules if not s.active
                ),
            )
    return found


def _paused(outlet: Outlet, earlier: Registered | None) -> bool:
    if not outlet.enabled:
        return True
    if earlier is None or DISABLED_TAG in earlier.tags:
        return False  # new, or paused only because the outlets file disabled it
    return earlier.paused


def _active(schedule: str, earlier: Registered | None) -> bool:
    return earlier is None or schedule not in earlier.inactive


def own_deployments(outlets: Sequence[Outlet], per_outlet: bool) -> list[Outlet]:
    """The outlets that get a deployment of their own."""
    return [outlet for outlet in outlets if per_outlet or outlet.deployment]


def collections(outlets: Sequence[Outlet]) -> list[str]:
    return sorted({outlet.collection for outlet in outlets})


def deployment_names(outlets: Sequence[Outlet], *, per_outlet: bool) -> list[str]:
    """``flow/deployment`` of every deployment ``serve`` keeps for these outlets."""
    return [
        *(f"{crawl_fleet.name}/{c}" for c in collections(outlets)),
        *(f"{crawl_outlet.name}/{o.name}" for o in own_deployments(outlets, per_outlet)),
        f"{audit_fixity.name}/fixity",
    ]


def build_deployments(
    outlets: Sequence[Outlet],
    *,
    outlets_file: str | None,
    replay: bool,
    fixity_schedule: str,
    fleet_every: timedelta = FLEET_EVERY,
    per_outlet: bool = False,
    digest_schedule: str | None = None,
    earlier: dict[str, Registered] | None = None,
) -> list[RunnerDeployment]:
    """The deployments ``serve`` registers; parameters stay editable in the UI.

    ``replay`` only tags them: the runs crawl the replica because the served
    process's environment says so (``NEWSARCHIVE_REPLAY``), which each run
    inherits.
    """
    earlier = earlier or {}
    replayed = ["replay"] if replay else []
    every = Interval(fleet_every)
    deployments = []
    for collection in collections(outlets):
        before = earlier.get(f"{crawl_fleet.name}/{collection}")
        deployments.append(
            RunnerDeployment.from_flow(
                crawl_fleet,
                name=collection,
                schedules=[Interval(fleet_every, active=_active(schedule_key(every), before))],
                paused=bool(before and before.paused),
                concurrency_limit=ONE_AT_A_TIME,
                parameters={"collection": collection, "outlets_file": outlets_file},
                description=f"Poll the outlets of collection {collection!r} that are due",
                tags=[PROJECT_TAG, f"collection:{collection}", *replayed],
            )
        )
    for outlet in own_deployments(outlets, per_outlet):
        before = earlier.get(f"{crawl_outlet.name}/{outlet.name}")
        cron = outlet.schedule or OWN_CRON
        deployments.append(
            RunnerDeployment.from_flow(
                crawl_outlet,
                name=outlet.name,
                schedules=[Cron(cron, timezone="UTC", active=_active(cron, before))],
                paused=_paused(outlet, before),
                concurrency_limit=ONE_AT_A_TIME,
                parameters={"outlet": outlet.name, "outlets_file": outlets_file},
                description=f"Crawl {outlet.name} ({outlet.kind}: {', '.join(outlet.start_urls)})",
                tags=[
                    PROJECT_TAG,
                    f"outlet:{outlet.name}",
                    *replayed,
                    *([DISABLED_TAG] if not outlet.enabled else []),
                ],
            )
        )
    if digest_schedule is not None:
        deployments.append(
            _audit(
                digest_outlets,
                "daily",
                digest_schedule,
                earlier,
                "List the outlets still failing, stale or disabled",
                "digest",
            )
        )
    deployments.append(
        _audit(
            audit_fixity,
            "fixity",
            fixity_schedule,
            earlier,
            "Re-read a sample of stored objects and compare SHA-256 with the catalog",
            "fixity",
        )
    )
    return deployments


def _audit(
    flow: Flow[..., Any],
    name: str,
    cron: str,
    earlier: dict[str, Registered],
    description: str,
    tag: str,
) -> RunnerDeployment:
    """A deployment of a flow that looks over the archive on a cron: the audit, the digest."""
    before = earlier.get(f"{flow.name}/{name}")
    return RunnerDeployment.from_flow(
        flow,
        name=name,
        schedules=[Cron(cron, timezone="UTC", active=_active(cron, before))],
        paused=bool(before and before.paused),
        description=description,
        tags=[PROJECT_TAG, tag],
    )


async def prune(keep: Sequence[str]) -> list[str]:
    """Delete the crawl deployments an earlier ``serve`` registered that are not in ``keep``.

    ``serve``'s own are told by having no work pool and the project's tag:
    the work-pool deployments of ``deploy/prefect.yaml`` are never touched.
    """
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterTags,
        FlowFilter,
        FlowFilterName,
    )

    gone = []
    async with get_client() as client:
        found = await client.read_deployments(
            flow_filter=FlowFilter(name=FlowFilterName(any_=list(CRAWL_FLOWS))),
            deployment_filter=DeploymentFilter(tags=DeploymentFilterTags(all_=[PROJECT_TAG])),
        )
        flows = {
            flow.id: flow.name
            for flow in await client.read_flows(
                flow_filter=FlowFilter(name=FlowFilterName(any_=list(CRAWL_FLOWS)))
            )
        }
        for deployment in found:
            name = f"{flows.get(deployment.flow_id, '?')}/{deployment.name}"
            if deployment.work_pool_name is None and name not in keep:
                await client.delete_deployment(deployment.id)
                gone.append(name)
    return gone


def serve_deployments(
    outlets: Sequence[Outlet],
    *,
    outlets_file: str | None,
    replay: bool,
    fixity_schedule: str,
    fleet_every: timedelta = FLEET_EVERY,
    per_outlet: bool = False,
    digest_schedule: str | None = None,
    notify: str | None = None,
    on_deleted: Callable[[str], None] = lambda _name: None,
) -> None:
    """Register the deployments (and alerts, with ``notify``), delete those of outlets and
    collections that left the file (``on_deleted`` hears of each), and run their flows until
    stopped."""
    if notify:
        asyncio.run(ensure_automations(notify))
    names = deployment_names(outlets, per_outlet=per_outlet)
    earlier = asyncio.run(registered(names))
    deployments = build_deployments(
        outlets,
        outlets_file=outlets_file,
        replay=replay,
        fixity_schedule=fixity_schedule,
        fleet_every=fleet_every,
        per_outlet=per_outlet,
        digest_schedule=digest_schedule,
        earlier=earlier,
    )
    for name in asyncio.run(prune(names)):
        on_deleted(name)
    serve(*deployments, pause_on_shutdown=False)
