"""What a conditional refetch sends: the validators of an article's last successful fetch.

A crawl asks for the articles one feed or sitemap lists, by their identity
keys (``fetches.url_key``, in a partial index of the successful fetches), so
what it reads is bounded by what it may fetch, whatever the archive holds.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Select, literal, select
from sqlalchemy.orm import Session

from newsarchive.records import FetchOutcome, Validators
from newsarchive.storage.catalog.models import FetchRow, OutletRow

KEYS_PER_QUERY = 500
"""Article keys per query: within every engine's limit on bound parameters."""


ValidatorRows = Select[str | None, str | None, str | None, datetime]
"""(article key, ETag, Last-Modified, fetched at) rows."""


def validators_query(outlet: str, keys: Sequence[str]) -> ValidatorRows:
    """The successful fetches of ``keys`` at ``outlet``, oldest first, with their validators."""
    return (
        select(FetchRow.url_key, FetchRow.etag, FetchRow.last_modified, FetchRow.fetched_at)
        .join(OutletRow, OutletRow.id == FetchRow.outlet_id)
        .where(
            FetchRow.url_key.in_(keys),
            # inline, not a parameter: what lets a planner use the partial index
            FetchRow.outcome == literal(FetchOutcome.FETCHED.value, literal_execute=True),
            OutletRow.name == outlet,
        )
        .order_by(FetchRow.fetched_at, FetchRow.id)
    )


def last_validators(session: Session, outlet: str, keys: Collection[str]) -> dict[str, Validators]:
    """Article key -> validators and time of its last successful fetch, for the known ``keys``.

    A key the archive never fetched successfully is left out: that is how a
    poll tells new articles from known ones.  A last fetch without
    validators gives empty ones, even when an earlier fetch had some: they
    would describe a page no longer served.
    """
    wanted = list(dict.fromkeys(keys))
    latest: dict[str, Validators] = {}
    for start in range(0, len(wanted), KEYS_PER_QUERY):
        query = validators_query(outlet, wanted[start : start + KEYS_PER_QUERY])
        for key, etag, last_modified, fetched_at in session.execute(query):
            latest[cast(str, key)] = Validators(etag, last_modified, fetched_at)
    return latest
