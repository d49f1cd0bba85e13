"""The daily digest: what is still failing, stale or disabled, in one notification.

Alerts come once per change of an outlet's state (:mod:`.artifacts`), so an
outlet that has been failing for a week is not in today's notifications;
an operator who wants a reminder schedules this flow (``serve --digest``),
whose one event lists every outlet that still needs someone.
"""

from __future__ import annotations

import asyncio

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact
from prefect.events import emit_event

from newsarchive.config import load_settings
from newsarchive.records import OutletState, OutletStatus
from newsarchive.storage import ReadOnlyArchive

DIGEST_EVENT = "newsarchive.fleet.digest"
NEEDS_SOMEONE = (OutletStatus.FAILING, OutletStatus.DISABLED, OutletStatus.STALE)
MAX_LISTED = 100


def _states() -> list[OutletState]:
    settings = load_settings()
    with ReadOnlyArchive.open(settings.database_url, settings.store_url) as archive:
        states = archive.outlet_states().values()
    return sorted(
        (s for s in states if s.status in NEEDS_SOMEONE), key=lambda s: (s.status.urgency, s.outlet)
    )


def digest_text(states: list[OutletState]) -> str:
    """One line per outlet that needs someone, the most urgent first."""
    lines = [f"- {s.outlet}: {s.status.value} ({s.reason})" for s in states[:MAX_LISTED]]
    if len(states) > MAX_LISTED:
        lines.append(f"- … {len(states) - MAX_LISTED} more")
    return "\n".join(lines)


@flow(name="digest-outlets")
async def digest_outlets() -> int:
    """List the outlets still failing, stale or disabled; one event when there are any."""
    states = await asyncio.to_thread(_states)
    text = digest_text(states)
    await acreate_markdown_artifact(
        markdown=f"# Outlets needing someone ({len(states)})\n\n{text or 'None.'}\n",
        key="outlets-digest",
        description="Outlets still failing, stale or disabled",
    )
    if states:
        emit_event(
            event=DIGEST_EVENT,
            resource={"prefect.resource.id": "newsarchive.fleet"},
            payload={"count": len(states), "message": text},
        )
    get_run_logger().info("%d outlet(s) need someone", len(states))
    return len(states)
