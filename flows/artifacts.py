"""What a run tells operators: a summary table, one report per outlet, progress, alerts.

Each outlet's report has its own artifact key (``crawl-report-<outlet>``), so
the UI's Artifacts page shows every outlet's latest report side by side; the
``crawl-summary`` table holds the counts of all outlets of the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any
from uuid import UUID

from prefect import get_run_logger
from prefect.artifacts import (
    acreate_markdown_artifact,
    acreate_progress_artifact,
    acreate_table_artifact,
    aupdate_progress_artifact,
)
from prefect.events import emit_event

from newsarchive.archiving.health import Change
from newsarchive.archiving.report import OutletReport
from newsarchive.flows.progress import PROGRESS_FIELD
from newsarchive.records import ArchiveOutcome, OutletStatus, Progress, RunCounts

MAX_LISTED = 200  # per list in the markdown artifact; the counts stay exact
SUMMARY_KEY = "crawl-summary"
FLEET_KEY = "fleet-run"


def report_key(outlet: str) -> str:
    """The artifact key of an outlet's reports: one key per outlet, so each has a latest."""
    return f"crawl-report-{outlet}"


def summary_row(report: OutletReport) -> dict[str, Any]:
    """An outlet's row of the ``crawl-summary`` table: its state first, why last.

    A failed outlet's counts are zeros as often as not (nothing could be
    read), so without its state the row would read as a quiet run.
    """
    run = report.summary()
    counts = {key: value for key, value in run.row().items() if key != "outlet"}
    return {
        "outlet": run.outlet,
        "state": run.status,
        **counts,
        "reason": run.reason or run.warning or "",
    }


def _listed(title: str, lines: list[str]) -> list[str]:
    if not lines:
        return []
    shown = lines[:MAX_LISTED]
    more = [f"- … {len(lines) - MAX_LISTED} more"] if len(lines) > MAX_LISTED else []
    return [f"### {title} ({len(lines)})", "", *shown, *more, ""]


def render_markdown(report: OutletReport, change: Change | None) -> str:
    """One outlet's report: its state and alerts first, then counts, then the pages behind them."""
    failure = report.failure()
    lines = [f"# {report.outlet}", ""]
    warning = report.warning()
    if failure:
        lines += [f"**Failed**: {failure}", ""]
    elif warning:
        lines += [f"**Warning**: {warning}", ""]
    if change is not None and change.after.status is not OutletStatus.WORKING:
        lines += [f"**{change.after.status.value.capitalize()}**: {change.after.reason}", ""]
    if change is not None and change.alerts:
        lines += ["## Alerts", "", *(f"- **{a.event}**: {a.message}" for a in change.alerts), ""]
    row = report.summary().row()
    lines += ["| " + " | ".join(k for k in row if k != "outlet") + " |"]
    lines += ["|" + " --- |" * (len(row) - 1)]
    lines += ["| " + " | ".join(str(v) for k, v in row.items() if k != "outlet") + " |", ""]
    for title, outcome in (("New", ArchiveOutcome.NEW), ("Updated", ArchiveOutcome.UPDATED)):
        lines += _listed(title, [f"- <{url}>" for url in report.urls(outcome)])
    lines += _listed(
        "Discovery documents that failed or listed nothing",
        [f"- <{url}>: {why}" for url, why in report.document_problems()],
    )
    lines += _listed("Failed", [f"- <{url}>: {why}" for url, why in report.failures])
    skipped = report.skip_reasons()
    if skipped:
        lines += [f"### Skipped on purpose ({sum(skipped.values())})", ""]
        lines += [f"- {reason}: {count}" for reason, count in skipped.most_common()]
        lines.append("")
    return "\n".join(lines)


def raise_alerts(changes: Sequence[Change]) -> None:
    """One event for each alert a change raised; the automations match on their names."""
    logger = get_run_logger()
    for alert in (a for change in changes for a in change.alerts):
        logger.warning(alert.message)
        emit_event(
            event=alert.event,
            resource={
                "prefect.resource.id": f"newsarchive.outlet.{alert.outlet}",
                "prefect.resource.name": alert.outlet,
            },
            payload={"message": alert.message, "outlet": alert.outlet},
        )


async def publish_run_artifacts(reports: Sequence[OutletReport], changes: Sequence[Change]) -> None:
    """Raise the run's alerts as events, publish the summary table and each outlet's report."""
    raise_alerts(changes)
    by_outlet = {change.after.outlet: change for change in changes}
    await acreate_table_artifact(
        table=[summary_row(r) for r in reports],
        key=SUMMARY_KEY,
        description="Per-outlet state and counts of this crawl run, and why one failed",
    )
    for report in reports:
        await acreate_markdown_artifact(
            markdown=render_markdown(report, by_outlet.get(report.outlet)),
            key=report_key(report.outlet),
            description=f"{report.outlet}: state, alerts, new and updated articles, failures",
        )


def render_fleet(reports: Sequence[OutletReport], changes: Sequence[Change]) -> str:
    """A fleet run for operators: the totals, then the outlets whose state changed, the failing
    ones and those that need a look (one line each); never a section per outlet, which at
    fleet size nobody reads."""
    totals = RunCounts.total(report.counts() for report in reports)
    lines = [f"# Fleet run: {len(reports)} outlet(s) polled", ""]
    lines += ["| " + " | ".join(RunCounts.columns()) + " |"]
    lines += ["|" + " --- |" * len(RunCounts.columns())]
    lines += ["| " + " | ".join(str(v) for v in asdict(totals).values()) + " |", ""]
    lines += _listed(
        "State changes",
        [
            f"- {c.after.outlet}: {c.before.status} → {c.after.status}"
            + (f" ({c.after.reason})" if c.after.reason else "")
            for c in changes
            if c.status_changed
        ],
    )
    failing = (OutletStatus.FAILING, OutletStatus.DISABLED)
    lines += _listed(
        "Failing",
        [f"- {c.after.outlet}: {c.after.reason}" for c in changes if c.after.status in failing],
    )
    lines += _listed(
        "Needs a look",
        [f"- {r.outlet}: {warning}" for r in reports if (warning := r.warning())],
    )
    return "\n".join(lines)


async def publish_fleet_artifact(
    reports: Sequence[OutletReport], changes: Sequence[Change]
) -> None:
    """Raise the run's alerts as events and publish its one artifact, ``fleet-run``."""
    raise_alerts(changes)
    await acreate_markdown_artifact(
        markdown=render_fleet(reports, changes),
        key=FLEET_KEY,
        description="The fleet run: counts, state changes, failing outlets",
    )


class ProgressArtifacts:
    """One progress artifact per outlet, updated while the crawl runs, and a log line each time."""

    def __init__(self) -> None:
        self._ids: dict[str, UUID] = {}

    async def __call__(self, progress: list[Progress]) -> None:
        logger = get_run_logger()
        for item in progress:
            percent = round(100 * item.share, 1)
            if item.outlet not in self._ids:
                self._ids[item.outlet] = await acreate_progress_artifact(
                    percent,
                    key=f"crawl-progress-{item.outlet}",
                    description=f"{item.outlet}: URLs ended against the request budget"
                    " (100 % once its crawl did all its work)",
                )
            else:
                await aupdate_progress_artifact(self._ids[item.outlet], percent)
            logger.info(
                "%s: %d pages fetched, %d URLs ended (budget %d)",
                item.outlet,
                item.fetched,
                item.filed,
                item.budget,
                extra={PROGRESS_FIELD: item},
            )
