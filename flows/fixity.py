"""The fixity audit: ``newsarchive verify`` as a scheduled flow."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_table_artifact
from prefect.events import emit_event

from newsarchive.config import Settings, load_settings
from newsarchive.storage import Archive


@task(name="verify-objects", retries=2, retry_delay_seconds=30)
def verify_objects(settings: Settings, sample: int | None) -> dict[str, Any]:
    """Re-read stored objects and compare their SHA-256 with the catalog."""
    archive = Archive.open(settings.database_url, settings.store_url)
    try:
        return asdict(archive.verify(sample=sample))
    finally:
        archive.close()


@flow(name="audit-fixity")
async def audit_fixity(sample: int | None = 1000) -> dict[str, Any]:
    """Check that stored objects are intact; losses raise an event and fail the run.

    Args:
        sample: how many randomly chosen objects to re-read (empty: all of them).
    """
    logger = get_run_logger()
    settings = load_settings()  # once, at the flow's entry
    report = await asyncio.to_thread(verify_objects, settings, sample)
    problems = {kind: report[kind] for kind in ("missing", "corrupted", "unreadable")}
    await acreate_table_artifact(
        table=[{"checked": report["checked"], **{k: len(v) for k, v in problems.items()}}],
        key="fixity-audit",
        description="Objects re-read and compared with the catalog's SHA-256",
    )
    if any(problems.values()):
        emit_event(
            event="newsarchive.fixity.failed",
            resource={"prefect.resource.id": "newsarchive.archive"},
            payload={kind: keys[:100] for kind, keys in problems.items()},
        )
        counts = ", ".join(f"{len(keys)} {kind}" for kind, keys in problems.items())
        raise RuntimeError(f"fixity audit: {counts} objects")
    logger.info("fixity audit: %d objects intact", report["checked"])
    return report
