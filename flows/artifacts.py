"""What a run tells operators: a summary table, one report per outlet, progress, alerts.

Each outlet's report has its own artifact key (``crawl-report-<outlet>``), so
the UI's Artifacts page shows every outlet's latest report side by side; the
``crawl-summary`` table holds the counts of all outlets of the run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from uuid import UUID

from prefect import get_run_logger
from prefect.artifacts import (
    acreate_markdown_artifact,
    acreate_progress_artifact,
    acreate_table_artifact,
    aupdate_progress_artifact,
)
from prefect.events import emit_event

from newsarchive.archiving.expectations import Alert, Expectations, check
from newsarchive.archiving.report import OutletReport
from newsarchive.config import Settings
from newsarchive.flows.progress import PROGRESS_FIELD
from newsarchive.records import ArchiveOutcome, Progress
from newsarchive.spiders.outlets import Outlet
from newsarchive.storage import Archive

MAX_LISTED = 200  # per list in the markdown artifact; the counts stay exact
SUMMARY_KEY = "crawl-summary"


def report_key(outlet: str) -> str:
    """The artifact key of an outlet's reports: one key per outlet, so each has a latest."""
    return f"crawl-report-{outlet}"


def _listed(title: str, lines: list[str]) -> list[str]:
    if not lines:
        return []
    shown = lines[:MAX_LISTED]
    more = [f"- … {len(lines) - MAX_LISTED} more"] if len(lines) > MAX_LISTED else []
    return [f"### {title} ({len(lines)})", "", *shown, *more, ""]


def render_markdown(report: OutletReport, alerts: Sequence[Alert]) -> str:
    """One outlet's report: its state and alerts first, then counts, then the pages behind them."""
    failure = report.failure()
    lines = [f"# {report.outlet}", ""]
    if failure:
        lines += [f"**Failed**: {failure}", ""]
    if alerts:
        lines += ["## Alerts", "", *(f"- **{a.event}**: {a.message}" for a in alerts), ""]
    row = report.summary().row()
    lines += ["| " + " | ".join(k for k in row if k != "outlet") + " |"]
    lines += ["|" + " --- |" * (len(row) - 1)]
    lines += ["| " + " | ".join(str(v) for k, v in row.items() if k != "outlet") + " |", ""]
    for title, outcome in (("New", ArchiveOutcome.NEW), ("Updated", ArchiveOutcome.UPDATED)):
        lines += _listed(title, [f"- <{url}>" for url in report.urls(outcome)])
    lines += _listed("Failed", [f"- <{url}>: {why}" for url, why in report.failures])
    skipped = report.skip_reasons()
    if skipped:
        lines += [f"### Skipped on purpose ({sum(skipped.values())})", ""]
        lines += [f"- {reason}: {count}" for reason, count in skipped.most_common()]
        lines.append("")
    return "\n".join(lines)


def _record_and_check(
    reports: Sequence[OutletReport], outlets: Sequence[Outlet], settings: Settings
) -> dict[str, list[Alert]]:
    rules = {o.name: Expectations.for_outlet(settings, o) for o in outlets}
    archive = Archive.open(settings.database_url, settings.store_url)
    try:
        alerts: dict[str, list[Alert]] = {}
        for report in reports:
            expectations = rules[report.outlet]
            earlier = archive.recent_new_counts(report.outlet, expectations.stale_after_runs)
            archive.record_run(report.outlet, report.counts())
            alerts[report.outlet] = check(report, earlier, expectations)
        return alerts
    finally:
        archive.close()


async def publish_run_artifacts(
    reports: Sequence[OutletReport], outlets: Sequence[Outlet], settings: Settings
) -> dict[str, list[Alert]]:
    """Record the run in the catalog, raise alerts as events, publish the artifacts."""
    logger = get_run_logger()
    alerts = await asyncio.to_thread(_record_and_check, reports, outlets, settings)
    for alert in (a for found in alerts.values() for a in found):
        logger.warning(alert.message)
        emit_event(
            event=alert.event,
            resource={
                "prefect.resource.id": f"newsarchive.outlet.{alert.outlet}",
                "prefect.resource.name": alert.outlet,
            },
            payload={"message": alert.message, "outlet": alert.outlet},
        )
    await acreate_table_artifact(
        table=[r.summary().row() for r in reports],
        key=SUMMARY_KEY,
        description="Per-outlet counts of this crawl run",
    )
    for report in reports:
        await acreate_markdown_artifact(
            markdown=render_markdown(report, alerts[report.outlet]),
            key=report_key(report.outlet),
            description=f"{report.outlet}: state, alerts, new and updated articles, failures",
        )
    return alerts


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
                    description=f"{item.outlet}: URLs ended against the request budget",
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
