"""What every object store promises: bytes by key, written once, keys that stay inside it.

A store never replaces an object: writing a key that holds the same bytes
is a success (a rerun repeats its writes), a key holding other bytes is an
error.  Readers check what they read against the digest the catalog holds.
"""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath
from typing import Protocol

from newsarchive.errors import StorageError


class ObjectMissing(StorageError):
    """The catalog names an object the store does not hold."""


class ObjectStore(Protocol):
    """Bytes by key; ``url`` is the secret-free address of the store."""

    url: str

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` unless the same bytes are already there."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes under ``key``; :class:`ObjectMissing` if there are none."""
        ...


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def checked_key(key: str) -> str:
    """Refuse keys that could escape the store root or collide after normalising."""
    parts = PurePosixPath(key).parts
    if not key or key.startswith("/") or any(p in {"", ".", ".."} for p in parts):
        raise StorageError(f"invalid object key: {key!r}")
    return key
