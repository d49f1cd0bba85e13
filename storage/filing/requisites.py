"""Keeping page requisites: every fetch recorded, the bytes stored once per digest.

A stylesheet shared by a thousand article pages is fetched once a run and
kept as one object: later fetches of the same bytes are rows that point at
it (and become WARC revisits), whatever their URL, outlet or day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsarchive.records import Capture
from newsarchive.storage.catalog.models import RequisiteRow
from newsarchive.storage.objects import ObjectStore, layout, sha256_hex


@dataclass(frozen=True, slots=True)
class StoredRequisite:
    """Where a requisite's bytes are kept; ``new`` when this fetch brought them first."""

    body_sha256: str
    size: int
    key: str
    object_sha256: str
    new: bool


def stored_object(session: Session, store: ObjectStore, body: bytes) -> StoredRequisite:
    """The object holding ``body``, found by digest or written now (write-once)."""
    sha = sha256_hex(body)
    earlier = session.execute(
        select(RequisiteRow.key, RequisiteRow.object_sha256)
        .where(RequisiteRow.body_sha256 == sha)
        .limit(1)
    ).first()
    if earlier is not None:
        key, object_sha = earlier
    else:
        data = layout.compress_raw(body)
        key, object_sha = layout.requisite_key(sha), sha256_hex(data)
        store.put(key, data)
    return StoredRequisite(sha, len(body), key, object_sha, new=earlier is None)


def row_values(outlet_id: int, capture: Capture, stored: StoredRequisite) -> dict[str, Any]:
    """The catalog row of one requisite fetch."""
    return {
        "outlet_id": outlet_id,
        "page_url": capture.discovery.source_url if capture.discovery else None,
        "url": capture.url,
        "fetched_at": capture.fetched_at,
        "status": capture.status,
        "request_headers": layout.headers_json(
            layout.public_request_headers(capture.request_headers)
        ),
        "response_headers": layout.headers_json(capture.response_headers),
        "body_sha256": stored.body_sha256,
        "size": stored.size,
        "key": stored.key,
        "object_sha256": stored.object_sha256,
    }
