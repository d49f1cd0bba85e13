"""What a run tells operators: the summary table, the lists behind it, and alerts."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from prefect import get_run_logger
from prefect.artifacts import acreate_markdown_artifact, acreate_table_artifact
from prefect.events import emit_event

from newsarchive.archiving.expectations import Alert, Expectations, check
from newsarchive.archiving.report import OutletReport
from newsarchive.config import Settings
from newsarchive.storage import Archive

MAX_LISTED = 200  # per list in the markdown artifact; the counts stay exact


def render_markdown(reports: Sequence[OutletReport], alerts: Sequence[Alert]) -> str:
    """The run's markdown artifact: alerts, then per outlet what was archived and what failed."""
    lines = ["# Crawl run", ""]
    if alerts:
        lines += ["## Alerts", "", *(f"- **{a.event}**: {a.message}" for a in alerts), ""]
    for report in reports:
        lines += [f"## {report.outlet}", ""]
        lines.append(" · ".join(f"{k}: {v}" for k, v in report.row().items() if k != "outlet"))
        lines.append("")
        for title, urls in (("New", report.new_urls), ("Updated", report.updated_urls)):
            if urls:
                lines += [f"### {title} ({len(urls)})", ""]
                lines += [f"- <{url}>" for url in urls[:MAX_LISTED]]
                lines += [f"- … {len(urls) - MAX_LISTED} more"] if len(urls) > MAX_LISTED else []
                lines.append("")
        if report.failures:
            lines += [f"### Failed ({len(report.failures)})", ""]
            lines += [f"- <{url}>: {reason}" for url, reason in report.failures[:MAX_LISTED]]
            lines.append("")
    return "\n".join(lines)


def _record_and_check(
    reports: Sequence[OutletReport], settings: Settings, expectations: Expectations
) -> list[Alert]:
    archive = Archive.open(settings.database_url, settings.store_url)
    try:
        alerts: list[Alert] = []
        for report in reports:
            earlier = archive.recent_new_counts(report.outlet, expectations.stale_after_runs)
            archive.record_run(report.outlet, report.counts())
            alerts += check(report, earlier, expectations)
        return alerts
    finally:
        archive.close()


async def publish_run_artifacts(reports: Sequence[OutletReport], settings: Settings) -> list[Alert]:
    """Record the run in the catalog, raise alerts as events, and publish both artifacts."""
    logger = get_run_logger()
    expectations = Expectations.from_settings(settings)
    alerts = await asyncio.to_thread(_record_and_check, reports, settings, expectations)
    for alert in alerts:
        logger.warning(alert.message)
        emit_event(
            event=alert.event,
            resource={"prefect.resource.id": f"newsarchive.outlet.{alert.outlet}"},
            payload={"message": alert.message},
        )
    await acreate_table_artifact(
        table=[r.row() for r in reports],
        key="crawl-summary",
        description="Per-outlet summary of this crawl run",
    )
    await acreate_markdown_artifact(
        markdown=render_markdown(reports, alerts),
        key="crawl-report",
        description="New and updated articles, failures and alerts of this crawl run",
    )
    return alerts
