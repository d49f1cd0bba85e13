"""Per-domain global concurrency limits, so two runs never crawl one site at once.

A limit that does not exist limits nothing (``concurrency(strict=False)``),
so runs create missing ones with one slot.  Existing limits are left as they
are: an operator may have raised or lowered one in the UI.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress

from prefect.client.orchestration import PrefectClient, get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

DEFAULT_SLOTS_PER_DOMAIN = 1


async def ensure_domain_limits(names: Iterable[str]) -> None:
    """Create each named limit with one slot unless it already exists."""
    async with get_client() as client:
        for name in sorted(set(names)):
            if await _exists(client, name):
                continue
            # another run may create it in the meantime: then it exists, as wanted
            with suppress(ObjectAlreadyExists):
                await client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(name=name, limit=DEFAULT_SLOTS_PER_DOMAIN)
                )


async def _exists(client: PrefectClient, name: str) -> bool:
    try:
        await client.read_global_concurrency_limit_by_name(name)
    except ObjectNotFound:
        return False
    return True
