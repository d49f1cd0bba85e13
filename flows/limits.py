"""Per-domain global concurrency limits, so two runs never crawl one site at once.

A limit that does not exist limits nothing (``concurrency(strict=False)``),
so runs create missing ones with one slot.  Existing limits are left as they
are: an operator may have raised or lowered one in the UI.
"""

from __future__ import annotations

from collections.abc import Iterable

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

DEFAULT_SLOTS_PER_DOMAIN = 1


async def ensure_domain_limits(names: Iterable[str]) -> None:
    """Create each named limit with one slot unless it already exists."""
    async with get_client() as client:
        for name in sorted(set(names)):
            try:
                await client.read_global_concurrency_limit_by_name(name)
                continue
            except ObjectNotFound:
                pass
            try:
                await client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(name=name, limit=DEFAULT_SLOTS_PER_DOMAIN)
                )
            except ObjectAlreadyExists:
                pass  # another run created it in the meantime
