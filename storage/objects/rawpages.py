"""Raw pages as objects: gzip-compressed, addressed by their SHA-256, written once.

Split from the catalog work so that the costly part (hashing, compressing,
writing) can run wherever the caller likes, a worker process included, while
the lookup of an earlier identical fetch stays a catalog read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from newsarchive.storage.objects import ObjectStore, layout, sha256_hex


@dataclass(frozen=True, slots=True)
class StoredRaw:
    """Where a fetch's body is kept: the object's key, the body's and the object's digests."""

    key: str
    sha256: str
    size: int
    object_sha256: str

    def columns(self) -> dict[str, Any]:
        """The fetch row's columns that name the object."""
        return {
            "raw_key": self.key,
            "raw_sha256": self.sha256,
            "raw_size": self.size,
            "raw_object_sha256": self.object_sha256,
        }


def store_raw(
    store: ObjectStore, outlet: str, fetched_at: datetime, body: bytes, body_sha256: str
) -> StoredRaw:
    """Compress and write the body under its dated, content-addressed key.

    Two writers storing the same new bytes at once both write the same key:
    the store is write-once, so the second write is a no-op.
    """
    data = layout.compress_raw(body)
    key = layout.raw_key(outlet, fetched_at, body_sha256)
    store.put(key, data)
    return StoredRaw(key=key, sha256=body_sha256, size=len(body), object_sha256=sha256_hex(data))
