"""Alerts that reach someone: Prefect automations that send a notification through a block.

What wakes an operator: a crawl run that failed (an outlet could not be
crawled at all), and each broken expectation of the capture core
(:data:`~newsarchive.archiving.expectations.EXPECTATIONS`: an outlet gone
stale, an outlet whose pages stopped yielding text).
``newsarchive serve --notify TYPE/NAME`` creates (or replaces) one
automation for each, sending through the notification block the operator
configured (a webhook block is enough: ``custom-webhook/...``,
``slack-webhook/...``), so the server delivers them even while no one looks
at the UI.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from prefect.client.orchestration import PrefectClient, get_client
from prefect.events.actions import SendNotification
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
from prefect.exceptions import ObjectNotFound

from newsarchive.archiving.expectations import EXPECTATIONS, Expectation
from newsarchive.errors import ConfigError

CRAWL_FLOWS = ("crawl-outlet", "crawl-all")
PREFIX = "newsarchive: "


def _alert(
    name: str, trigger: EventTrigger, block_id: UUID, subject: str, body: str
) -> AutomationCore:
    return AutomationCore(
        name=f"{PREFIX}{name}",
        description=f"Sends '{subject}' through the configured notification block",
        enabled=True,
        trigger=trigger,
        actions=[SendNotification(block_document_id=block_id, subject=subject, body=body)],
    )


def automations(block_id: UUID) -> list[AutomationCore]:
    """The automations ``serve --notify`` keeps on the server, by name."""
    failed_run = EventTrigger(
        expect={"prefect.flow-run.Failed"},
        match_related={"prefect.resource.role": "flow", "prefect.resource.name": list(CRAWL_FLOWS)},
        posture=Posture.Reactive,
        threshold=1,
    )
    crawl_failed = _alert(
        "crawl run failed",
        failed_run,
        block_id,
        "newsarchive: crawl run {{ flow_run.name }} failed",
        "{{ flow_run.name }}: {{ flow_run.state.message }}",
    )
    return [crawl_failed, *(_broken(expectation, block_id) for expectation in EXPECTATIONS)]


def _broken(expectation: Expectation, block_id: UUID) -> AutomationCore:
    """The automation of one expectation: each outlet's event fires on its own (one outlet
    going stale is one notification), with the alert's message as the body."""
    trigger = EventTrigger(
        expect={expectation.event},
        for_each={"prefect.resource.id"},
        posture=Posture.Reactive,
        threshold=1,
    )
    subject = expectation.headline.format(outlet="{{ event.payload.outlet }}")
    return _alert(
        expectation.name, trigger, block_id, f"{PREFIX}{subject}", "{{ event.payload.message }}"
    )


async def _block_id(client: PrefectClient, reference: str) -> UUID:
    block_type, _, name = reference.partition("/")
    if not block_type or not name:
        raise ConfigError(
            f"--notify: a block is named TYPE/NAME (like custom-webhook/ops), not {reference!r}"
        )
    try:
        block = await client.read_block_document_by_name(name, block_type)
    except ObjectNotFound:
        raise ConfigError(
            f"--notify: no {block_type} block called {name!r} on the Prefect server"
        ) from None
    return block.id


async def ensure_automations(reference: str) -> Sequence[str]:
    """Create the automations sending through block ``reference``, replacing earlier ones."""
    async with get_client() as client:
        block_id = await _block_id(client, reference)
        made = []
        for automation in automations(block_id):
            for earlier in await client.read_automations_by_name(automation.name):
                await client.delete_automation(earlier.id)
            await client.create_automation(automation)
            made.append(automation.name)
    return made
