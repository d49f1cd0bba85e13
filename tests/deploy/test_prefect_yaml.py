"""deploy/prefect.yaml stays in step with the outlets file, with serve and with the flows it names.

The outlets file is the source of truth for which outlets exist and when
they run; prefect.yaml repeats that for work pools, so these tests make any
drift (an outlet added, a cron changed, a flow renamed) fail here instead of
silently never crawling in production.  ``newsarchive serve`` registers the
same flows on one machine: the two paths name their deployments apart, so
neither registers over the other's, and run them by the same rules.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from prefect.deployments.runner import RunnerDeployment

from newsarchive.errors import ConfigError
from newsarchive.flows.serve import build_deployments
from newsarchive.spiders.outlets import builtin_outlets_path, load_outlets, parse_outlets

FLOW_NAMES = {
    "newsarchive.flows.fleet.crawl_fleet": "crawl-fleet",
    "newsarchive.flows.crawl.crawl_outlet": "crawl-outlet",
    "newsarchive.flows.fixity.audit_fixity": "audit-fixity",
}
POOL_SUFFIX = "@pool"  # ends every deployment name here; no name of serve's can hold an "@"


def deployments(prefect_yaml: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["name"]: d for d in prefect_yaml["deployments"]}


def full_name(deployment: dict[str, Any]) -> str:
    """``flow/deployment``, as Prefect names a deployment (and ``serve`` looks one up)."""
    return f"{FLOW_NAMES[deployment['entrypoint']]}/{deployment['name']}"


def serve_deployments() -> dict[str, RunnerDeployment]:
    """What ``newsarchive serve`` registers for the outlets file, by ``flow/deployment``."""
    from newsarchive.cli.crawl_cmds import serve

    built = build_deployments(
        load_outlets(builtin_outlets_path()),
        outlets_file=None,
        replay=False,
        fixity_schedule=inspect.signature(serve).parameters["fixity_schedule"].default,
        per_outlet=True,
    )
    return {f"{d.flow_name}/{d.name}": d for d in built}


def test_a_fleet_per_collection_one_deployment_per_outlet_plus_fixity(
    prefect_yaml: dict[str, Any],
) -> None:
    outlets = load_outlets(builtin_outlets_path())
    names = [d["name"] for d in prefect_yaml["deployments"]]
    wanted = [*{o.collection for o in outlets}, *(o.name for o in outlets), "fixity"]
    assert sorted(names) == sorted(f"{name}{POOL_SUFFIX}" for name in wanted)


def test_fleet_deployments_poll_their_collection_as_often_as_serve(
    prefect_yaml: dict[str, Any],
) -> None:
    from newsarchive.flows.serve import FLEET_EVERY

    for collection in {o.collection for o in load_outlets(builtin_outlets_path())}:
        fleet = deployments(prefect_yaml)[f"{collection}{POOL_SUFFIX}"]
        assert fleet["entrypoint"] == "newsarchive.flows.fleet.crawl_fleet"
        assert fleet["parameters"] == {"collection": collection}
        interval = FLEET_EVERY.total_seconds()
        assert fleet["schedules"] == [{"interval": interval, "timezone": "UTC"}]


def test_outlet_deployments_crawl_their_outlet_on_its_cron(prefect_yaml: dict[str, Any]) -> None:
    by_name = deployments(prefect_yaml)
    for outlet in load_outlets(builtin_outlets_path()):
        deployment = by_name[f"{outlet.name}{POOL_SUFFIX}"]
        assert deployment["entrypoint"] == "newsarchive.flows.crawl.crawl_outlet"
        assert deployment["parameters"] == {"outlet": outlet.name}
        schedule = {"cron": outlet.schedule, "timezone": "UTC"}
        assert deployment["schedules"] == [schedule], outlet.name


def test_fixity_deployment_audits_when_serve_would(prefect_yaml: dict[str, Any]) -> None:
    """Both scheduling paths run the audit at the same time (serve's --fixity-schedule default)."""
    from newsarchive.cli.crawl_cmds import serve

    serve_default = inspect.signature(serve).parameters["fixity_schedule"].default
    fixity = deployments(prefect_yaml)[f"fixity{POOL_SUFFIX}"]
    assert fixity["entrypoint"] == "newsarchive.flows.fixity.audit_fixity"
    assert fixity["schedules"] == [{"cron": serve_default, "timezone": "UTC"}]


def test_no_deployment_takes_a_name_that_serve_registers(prefect_yaml: dict[str, Any]) -> None:
    """``prefect deploy`` and ``serve`` each update deployments by name: a shared name would
    move one path's deployment to the other's pool and schedules, without a word."""
    served = serve_deployments()
    for deployment in prefect_yaml["deployments"]:
        name = full_name(deployment)
        assert name.endswith(POOL_SUFFIX) and name not in served, f"{name} is serve's too"


def test_no_outlet_can_be_named_like_a_pool_deployment() -> None:
    """serve names a crawl deployment after its outlet, in any outlets file: the suffix holds
    a character that outlet names may not contain, so no outlet ever takes a pool's name."""
    toml = f'[[outlet]]\nname = "joongang{POOL_SUFFIX}"\nkind = "feed"\n'
    toml += 'start_urls = ["https://example.org/rss"]\nallowed_domains = ["example.org"]\n'
    with pytest.raises(ConfigError, match=r"outlet 'joongang@pool': name: "):
        parse_outlets(toml, "outlets.toml")
    parse_outlets(toml.replace(POOL_SUFFIX, "-pool"), "outlets.toml")  # only the suffix is refused


def test_deployments_run_one_at_a_time_as_serve_runs_them(prefect_yaml: dict[str, Any]) -> None:
    """A crawl run due while the last one still runs is cancelled, not queued, on both paths.

    A fleet's runs on the pool are the one exception: up to a few at once, one per worker,
    which claim disjoint due outlets."""
    served = serve_deployments()
    crawls = 0
    for deployment in prefect_yaml["deployments"]:
        twin = served.get(full_name(deployment).removesuffix(POOL_SUFFIX))
        if twin is None:
            continue  # a deployment of the pool path only: no rule of serve's to follow
        limit = deployment.get("concurrency_limit")
        if twin.concurrency_limit is None:
            assert limit is None, deployment["name"]
            continue
        assert twin.concurrency_options is not None
        strategy = twin.concurrency_options.collision_strategy.value
        if deployment["entrypoint"] == "newsarchive.flows.fleet.crawl_fleet":
            assert limit["limit"] > twin.concurrency_limit, deployment["name"]
            assert limit["collision_strategy"] == strategy, deployment["name"]
            continue
        assert limit == {"limit": twin.concurrency_limit, "collision_strategy": strategy}, (
            deployment["name"]
        )
        crawls += deployment["entrypoint"] != "newsarchive.flows.fixity.audit_fixity"
    assert crawls == len(load_outlets(builtin_outlets_path())), "a crawl runs unlimited"


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
