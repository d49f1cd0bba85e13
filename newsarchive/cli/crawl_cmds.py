"""``crawl``, ``serve``, ``outlets`` and ``reextract``: the operator's commands."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from newsarchive.archiving.plan import RunRequest, StandIn, plan_outlets, plan_run
from newsarchive.archiving.report import SUMMARY_COLUMNS, OutletRun
from newsarchive.cli.archives import open_for_writing
from newsarchive.cli.output import echo_json
from newsarchive.cli.progress import progress_display
from newsarchive.config import CrawlMode, Settings, load_settings, variable
from newsarchive.durations import parse_duration
from newsarchive.errors import InputError
from newsarchive.flows.temporary_server import prefect_api
from newsarchive.spiders.outlets import checked_cron

OutletsFile = Annotated[
    Path | None, typer.Option("--outlets-file", help="outlets file (TOML) to use")
]
Replay = Annotated[
    bool, typer.Option("--replay", help="crawl the bundled offline replica of the outlets")
]


def crawl(
    outlets: Annotated[list[str] | None, typer.Argument(help="outlet names (default: all)")] = None,
    outlets_file: OutletsFile = None,
    replay: Replay = False,
    day: Annotated[
        int, typer.Option(help="with --replay: the replica's day (2: a day later)", min=1)
    ] = 1,
    mode: Annotated[
        CrawlMode | None, typer.Option(help="inprocess (asyncio) or subprocess (Twisted reactor)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per outlet")] = False,
    due: Annotated[
        bool, typer.Option("--due", help="one fleet cycle: poll the outlets that are due now")
    ] = False,
    collection: Annotated[
        str | None, typer.Option(help="with --due: only this collection of the outlets file")
    ] = None,
) -> None:
    """Crawl outlets now and archive what is new or changed.

    Runs the same Prefect flow as the scheduled deployments: against the
    Prefect API configured (PREFECT_API_URL or a Prefect profile), else a
    local temporary one.  ``--replay`` is NEWSARCHIVE_REPLAY for this run.
    ``--due`` runs one cycle of the fleet deployment instead: the outlets
    whose next poll is due, polled, their health and schedules kept.
    Prints one row per outlet and the pages that failed; exits 1 when an
    outlet could not be crawled at all (its row says why).
    """
    if replay:
        replay_day(day)
    settings = load_settings()
    if due or collection:
        if outlets or not due:
            raise InputError(
                "--due polls what is due: give no outlet names; --collection needs --due"
            )
        runs = _fleet_cycle(settings, collection, outlets_file, mode, quiet=as_json)
        _report(runs, as_json)
        return
    request = RunRequest(outlets=tuple(outlets or ()), outlets_file=outlets_file, mode=mode)
    planned = plan_run(settings, request, stand_in(settings))  # refused before Prefect starts
    with prefect_api() as server:  # it starts while the crawl loads and opens the archive
        with open_for_writing(settings):  # refused here, before the flow starts
            pass
        from newsarchive.flows.crawl import run_crawl  # Prefect loads only when a crawl runs

        if server is not None:
            server.wait_ready()
        with progress_display(f"crawling {len(planned.outlets)} outlet(s)", quiet=as_json):
            runs = run_crawl(request)
    _report(runs, as_json)


def _fleet_cycle(
    settings: Settings,
    collection: str | None,
    outlets_file: Path | None,
    mode: CrawlMode | None,
    *,
    quiet: bool,
) -> list[OutletRun]:
    """One cycle of the fleet flow in this process, as the fleet deployment runs it."""
    planned = plan_outlets(settings, None, outlets_file)  # refused before Prefect starts
    replica = stand_in(settings)
    if replica is not None:
        replica.outlets(planned)
    with prefect_api() as server:
        with open_for_writing(settings):
            pass
        from newsarchive.flows.fleet import run_fleet

        if server is not None:
            server.wait_ready()
        with progress_display("polling the outlets that are due", quiet=quiet):
            return run_fleet(collection, outlets_file, mode)


def _report(runs: list[OutletRun], as_json: bool) -> None:
    """The runs' rows (or JSON objects); exit 1 when an outlet could not be crawled at all."""
    if as_json:
        for run in runs:
            echo_json(run.as_json())
    elif runs:
        _echo_summary(runs)
    else:
        typer.echo("nothing was due")
    if any(run.failed for run in runs):
        sys.exit(1)


def replay_day(day: int) -> None:
    """Crawl the replica's ``day``: the run's setting, as NEWSARCHIVE_REPLAY would say it."""
    from newsarchive.replay import DAYS

    if day not in DAYS:
        raise InputError(f"--day: the replica has days {', '.join(map(str, DAYS))}")
    os.environ[variable("replay")] = str(day)


def stand_in(settings: Settings) -> StandIn | None:
    """The replica when the settings ask for it, else nothing: the live sites."""
    from newsarchive.replay import Replica

    return Replica.when_asked(settings)


def _echo_summary(runs: list[OutletRun]) -> None:
    """The table, the outlets that failed and why, each failed page once, skips in one line."""
    rows = [run.as_json() for run in runs]
    columns = ("outlet", *SUMMARY_COLUMNS)
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in columns}
    typer.echo("  ".join(c.ljust(widths[c]) for c in columns).rstrip())
    for row in rows:
        typer.echo("  ".join(str(row[c]).ljust(widths[c]) for c in columns).rstrip())
    for row in rows:
        if row.get("status") == "failed":
            typer.echo(f"\n{row['outlet']} could not be crawled: {row['reason']}")
        elif row.get("status") == "warning":
            typer.echo(f"\n{row['outlet']} needs a look: {row['warning']}")
    documents = [(row["outlet"], d) for row in rows for d in row.get("documents") or ()]
    if documents:
        typer.echo(f"\ndiscovery documents that failed or listed nothing ({len(documents)}):")
        for outlet, document in documents:
            typer.echo(f"  {outlet}  {document['url']}  {document['reason']}")
    failures = [(row["outlet"], f) for row in rows for f in row["failures"]]
    if failures:
        typer.echo(f"\nfailed ({len(failures)}):")
        for outlet, failure in failures:
            typer.echo(f"  {outlet}  {failure['url']}  {failure['reason']}")
    skipped = {row["outlet"]: row.get("skipped_reasons") or {} for row in rows}
    if any(skipped.values()):
        typer.echo("\nskipped on purpose:")
        for outlet, reasons in skipped.items():
            if reasons:
                typer.echo(f"  {outlet}  " + ", ".join(f"{n} {why}" for why, n in reasons.items()))


def serve(
    outlets_file: OutletsFile = None,
    replay: Replay = False,
    fleet_every: Annotated[
        str, typer.Option(help="how often each collection's fleet deployment polls what is due")
    ] = "5m",
    per_outlet: Annotated[
        bool, typer.Option("--per-outlet", help="also a deployment of its own for every outlet")
    ] = False,
    fixity_schedule: Annotated[
        str, typer.Option(help="cron of the fixity audit deployment")
    ] = "0 3 * * *",
    digest: Annotated[
        str | None,
        typer.Option(help="cron of a digest of the outlets still failing, stale or disabled"),
    ] = None,
    notify: Annotated[
        str | None,
        typer.Option(
            help="notification block (TYPE/NAME, e.g. custom-webhook/ops) that alerts go through"
        ),
    ] = None,
) -> None:
    """Register a fleet deployment per collection, outlets' own ones and the fixity audit;
    serve them.

    Each collection of the outlets file gets one deployment that polls its
    due outlets every ``--fleet-every``; an outlet with ``deployment = true``
    (every outlet, with ``--per-outlet``) also gets its own, on its cron.
    Deployments of outlets and collections that left the file are deleted.
    A pause set in the UI survives restarts.  With ``--notify``, changes of
    an outlet's state (failing, stale, disabled, recovered), a fleet run that
    broke and the ``--digest`` send a notification through that Prefect block.  With
    ``--replay`` (or NEWSARCHIVE_REPLAY) the runs crawl the replica.
    """
    every = _duration("--fleet-every", fleet_every)
    for option, cron in (("--digest", digest), ("--fixity-schedule", fixity_schedule)):
        try:
            if cron is not None:
                checked_cron(cron)
        except ValueError as exc:
            raise InputError(f"{option}: {exc}") from None
    if replay:
        replay_day(1)
    settings = load_settings()
    planned = plan_outlets(settings, None, outlets_file)
    replica = stand_in(settings)
    if replica is not None:
        replica.outlets(planned)  # refused now, not in every run
    from newsarchive.flows.serve import serve_deployments

    serve_deployments(
        planned,
        outlets_file=str(outlets_file) if outlets_file else None,
        replay=replica is not None,
        fixity_schedule=fixity_schedule,
        fleet_every=every,
        per_outlet=per_outlet,
        digest_schedule=digest,
        notify=notify,
        on_deleted=lambda name: typer.echo(
            f"deleted deployment {name}: nothing in the outlets file asks for it", err=True
        ),
    )


def _duration(option: str, text: str) -> timedelta:
    try:
        value = parse_duration(text)
    except ValueError as exc:
        raise InputError(f"{option}: {exc}") from None
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise InputError(f"{option}: a duration longer than nothing, like 5m")
    return value


def reextract(
    outlet: Annotated[str | None, typer.Option(help="only this outlet")] = None,
    failed: Annotated[
        bool, typer.Option("--failed", help="also pages whose extraction failed before")
    ] = False,
    outlets_file: OutletsFile = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per outlet")] = False,
) -> None:
    """Extract stored pages again, from the raw page kept in the archive.

    Without ``--failed``: pages stored but never filed (a run that stopped
    between storing and extracting).  With it, also pages whose extraction
    failed, for instance after an outlet's profile was fixed.  Nothing is
    fetched; profiles come from the outlets file.
    """
    settings = load_settings()
    planned = plan_outlets(settings, None, outlets_file)
    from newsarchive.archiving.capture import CaptureLane

    with open_for_writing(settings, create=False) as archive:
        lane = CaptureLane.for_outlets(archive, planned)
        lane.redo(outlet, failed=failed)
    runs = [report.summary() for report in lane.reports.values() if report.filed]
    if as_json:
        for run in runs:
            echo_json(run.as_json())
    elif runs:
        _echo_summary(runs)
    else:
        typer.echo("nothing to extract again")
