"""Alerts that reach someone: Prefect automations that send a notification through a block.

What wakes an operator: a change of an outlet's state
(:data:`~newsarchive.archiving.health.ALERT_KINDS`: failing, stale,
disabled, its pages no longer yielding text, and its recovery), raised once
per change whichever run saw it, a fleet run that broke as a whole, and the
daily digest of what still needs someone (``serve --digest``).
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

from newsarchive.archiving.health import ALERT_KINDS, AlertKind
from newsarchive.errors import ConfigError
from newsarchive.flows.digest import DIGEST_EVENT

FLEET_FLOWS = ("crawl-fleet",)
"""Flows whose failure is the run's own; an outlet that cannot be crawled raises its own
alert, once, instead of one per failed run."""
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
        match_related={"prefect.resource.role": "flow", "prefect.resource.name": list(FLEET_FLOWS)},
        posture=Posture.Reactive,
        threshold=1,
    )
    fleet_failed = _alert(
        "fleet run failed",
        failed_run,
        block_id,
        "newsarchive: fleet run {{ flow_run.name }} failed",
        "{{ flow_run.name }}: {{ flow_run.state.message }}",
    )
    digest = _alert(
        "daily digest",
        EventTrigger(expect={DIGEST_EVENT}, posture=Posture.Reactive, threshold=1),
        block_id,
        f"{PREFIX}{{{{ event.payload.count }}}} outlet(s) need someone",
        "{{ event.payload.message }}",
    )
    return [fleet_failed, digest, *(_changed(kind, block_id) for kind in ALERT_KINDS)]


def _changed(kind: AlertKind, block_id: UUID) -> AutomationCore:
    """The automation of one kind of alert: each outlet's event fires on its own (one outlet
    going stale is one notification), with the alert's message as the body."""
    trigger = EventTrigger(
        expect={kind.event},
        for_each={"prefect.resource.id"},
        posture=Posture.Reactive,
        threshold=1,
    )
    subject = kind.headline.format(outlet="{{ event.payload.outlet }}")
    return _alert(kind.name, trigger, block_id, f"{PREFIX}{subject}", "{{ event.payload.message }}")


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
