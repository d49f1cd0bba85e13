"""deploy/prefect.yaml stays in step with the outlets file and with the flows it names.

The outlets file is the source of truth for which outlets exist and when
they run; prefect.yaml repeats that for work pools, so these tests make any
drift (an outlet added, a cron changed, a flow renamed) fail here instead of
silently never crawling in production.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from newsarchive.spiders.outlets import builtin_outlets_path, load_outlets

FLOW_NAMES = {
    "newsarchive.flows.crawl.crawl_outlet": "crawl-outlet",
    "newsarchive.flows.fixity.audit_fixity": "audit-fixity",
}


def deployments(prefect_yaml: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["name"]: d for d in prefect_yaml["deployments"]}


def test_one_deployment_per_outlet_plus_fixity(prefect_yaml: dict[str, Any]) -> None:
    outlets = [o.name for o in load_outlets(builtin_outlets_path())]
    names = [d["name"] for d in prefect_yaml["deployments"]]
    assert sorted(names) == sorted([*outlets, "fixity"])


def test_outlet_deployments_crawl_their_outlet_on_its_cron(prefect_yaml: dict[str, Any]) -> None:
    by_name = deployments(prefect_yaml)
    for outlet in load_outlets(builtin_outlets_path()):
        deployment = by_name[outlet.name]
        assert deployment["entrypoint"] == "newsarchive.flows.crawl.crawl_outlet"
        assert deployment["parameters"] == {"outlet": outlet.name}
        schedule = {"cron": outlet.schedule, "timezone": "UTC"}
        assert deployment["schedules"] == [schedule], outlet.name


def test_fixity_deployment_audits_when_serve_would(prefect_yaml: dict[str, Any]) -> None:
    """Both scheduling paths run the audit at the same time (serve's --fixity-schedule default)."""
    from newsarchive.cli.crawl_cmds import serve

    serve_default = inspect.signature(serve).parameters["fixity_schedule"].default
    fixity = deployments(prefect_yaml)["fixity"]
    assert fixity["entrypoint"] == "newsarchive.flows.fixity.audit_fixity"
    assert fixity["schedules"] == [{"cron": serve_default, "timezone": "UTC"}]


def test_every_deployment_uses_the_newsarchive_pool(prefect_yaml: dict[str, Any]) -> None:
    pools = {d["name"]: d["work_pool"]["name"] for d in prefect_yaml["deployments"]}
    assert set(pools.values()) == {"newsarchive"}, pools


def test_flows_load_from_the_installed_package_not_a_checkout(prefect_yaml: dict[str, Any]) -> None:
    """No pull step, no source path: a worker with the package installed can run every flow."""
    assert prefect_yaml["pull"] == []
    for deployment in prefect_yaml["deployments"]:
        assert ".py" not in deployment["entrypoint"] and ":" not in deployment["entrypoint"]


@pytest.mark.parametrize("entrypoint", sorted(FLOW_NAMES))
def test_entrypoints_load_as_the_flows_with_valid_parameters(
    entrypoint: str, prefect_yaml: dict[str, Any]
) -> None:
    """Load each entrypoint as the worker does (from any directory, really importing it).

    ``prefect deploy`` would fall back to a placeholder parsed from the source
    when the import fails, so a broken flow module would deploy and then fail
    every run: the placeholder is refused here.
    """
    from prefect.flows import Flow, load_flow_from_entrypoint

    flow: Flow[..., Any] = load_flow_from_entrypoint(entrypoint, use_placeholder_flow=False)
    assert flow.name == FLOW_NAMES[entrypoint]
    for deployment in prefect_yaml["deployments"]:
        if deployment["entrypoint"] == entrypoint:
            flow.validate_parameters(deployment.get("parameters") or {})
