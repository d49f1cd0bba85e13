"""``outlets``: the outlets file checked and shown, the fleet's health, a disabled outlet back;
outlets found from a homepage or imported from a list (:mod:`newsarchive.cli.discover_cmds`).

The health table reads the catalog's outlet states, which every fleet poll
keeps: one row per outlet of the file, failing first, or one JSON object a
line with ``--json`` for monitoring scripts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

import typer

from newsarchive.archiving.health import enabled_again
from newsarchive.archiving.plan import plan_outlets, select
from newsarchive.cli import discover_cmds
from newsarchive.cli.archives import open_archive, open_for_writing
from newsarchive.cli.crawl_cmds import OutletsFile, Replay, replay_day, stand_in
from newsarchive.cli.output import echo_json
from newsarchive.config import load_settings
from newsarchive.durations import duration_text
from newsarchive.errors import InputError
from newsarchive.records import OutletState, OutletStatus

app = typer.Typer(
    help=(
        "Check and show the outlets file; the fleet's health; enable a disabled outlet;"
        " discover outlets from homepages or import them from a CSV or OPML list."
    ),
    invoke_without_command=True,
    no_args_is_help=False,
)


@app.callback()
def outlets(
    context: typer.Context,
    outlets_file: OutletsFile = None,
    replay: Replay = False,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per outlet")] = False,
) -> None:
    """Check the outlets file and show its outlets (as a replay crawls them, with --replay)."""
    if context.invoked_subcommand is not None:
        return
    if replay:
        replay_day(1)
    settings = load_settings()
    planned = plan_outlets(settings, None, outlets_file)
    replica = stand_in(settings)
    if replica is not None:
        planned = replica.outlets(planned)
    for outlet in planned:
        if as_json:
            echo_json(outlet.model_dump(mode="json"))
        else:
            typer.echo(
                f"{outlet.name:<12} {outlet.kind:<8} {outlet.schedule or 'adaptive':<14} "
                f"{outlet.profile:<10} {', '.join(outlet.start_urls)}"
            )


def health_row(name: str, state: OutletState | None, enabled: bool) -> dict[str, Any]:
    """One outlet's health as ``outlets health --json`` prints it (stable field names)."""
    if state is None:
        state = OutletState(name, status=OutletStatus.WORKING if enabled else OutletStatus.PAUSED)
    return {
        "outlet": name,
        "status": state.status.value,
        "last_success": _when(state.last_success),
        "last_new_article": _when(state.last_new_article),
        "failures": state.failures,
        "reason": state.reason,
        "next_due": _when(state.next_due),
        "interval": duration_text_or_none(state.interval_seconds),
        "collection": state.collection,
    }


def duration_text_or_none(seconds: int) -> str | None:
    return duration_text(timedelta(seconds=seconds)) if seconds else None


def _when(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


@app.command()
def health(
    outlets_file: OutletsFile = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per outlet")] = False,
) -> None:
    """Each outlet's status (working, failing, stale, paused, disabled), failing first."""
    settings = load_settings()
    planned = plan_outlets(settings, None, outlets_file)
    with open_archive(settings) as archive:
        states = archive.outlet_states([o.name for o in planned])
    rows = [health_row(o.name, states.get(o.name), o.enabled) for o in planned]
    rows.sort(key=lambda row: (OutletStatus(row["status"]).urgency, row["outlet"]))
    if as_json:
        for row in rows:
            echo_json(row)
        return
    columns = ("outlet", "status", "failures", "last_success", "last_new_article", "next_due")
    shown = [
        {
            c: "-" if row[c] is None else f"{row[c]:g}" if c == "failures" else str(row[c])
            for c in columns
        }
        for row in rows
    ]
    widths = {c: max(len(c), *(len(r[c]) for r in shown)) for c in columns}
    typer.echo("  ".join(c.ljust(widths[c]) for c in columns).rstrip())
    for row, original in zip(shown, rows, strict=True):
        line = "  ".join(row[c].ljust(widths[c]) for c in columns).rstrip()
        typer.echo(line + (f"  {original['reason']}" if original["reason"] else ""))


@app.command()
def enable(
    name: Annotated[str, typer.Argument(help="the outlet to poll again")],
    outlets_file: OutletsFile = None,
) -> None:
    """Bring back an outlet the fleet disabled after it kept failing: due now, failures reset."""
    settings = load_settings()
    (outlet,) = select(plan_outlets(settings, None, outlets_file), [name])
    with open_for_writing(settings) as archive:
        state = archive.outlet_states([name]).get(name)
        if state is None or state.status is not OutletStatus.DISABLED:
            status = state.status.value if state else "never polled"
            raise InputError(f"outlet {name!r} is not disabled ({status})")
        archive.save_polls([enabled_again(state)])
    typer.echo(f"{outlet.name}: enabled, due now")


app.command("discover")(discover_cmds.discover)
app.command("import")(discover_cmds.import_outlets)
