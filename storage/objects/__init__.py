"""Write-once object stores: a local directory or an S3-compatible bucket.

Every object is written once and never replaced, so an archived page cannot
be silently rewritten.  Writing a key that already holds the same bytes is a
success (a rerun after a crash repeats its writes); a key holding different
bytes is an error.  Store URLs never carry credentials: S3 credentials come
from boto3's standard chain (``AWS_*`` environment, profiles, instance
roles), so the URL can be logged and kept in the catalog as is.
"""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

from newsarchive.config import StoreLocation, StoreScheme, parse_store_url
from newsarchive.errors import ConfigError
from newsarchive.storage.objects.files import FileStore
from newsarchive.storage.objects.held import HeldPuts
from newsarchive.storage.objects.s3 import S3Store
from newsarchive.storage.objects.store import ObjectMissing, ObjectStore, sha256_hex

STORES: MappingProxyType[StoreScheme, Callable[[StoreLocation], ObjectStore]] = MappingProxyType(
    {StoreScheme.FILE: FileStore.at, StoreScheme.S3: S3Store.at}
)
"""The store behind each scheme of a store URL, one per :class:`~newsarchive.config.StoreScheme`."""


def open_store(url: str) -> ObjectStore:
    """The store a store URL names (``file://PATH`` or ``s3://BUCKET[/PREFIX]``)."""
    try:
        location = parse_store_url(url)
    except ValueError as exc:
        raise ConfigError(f"store URL: {exc}") from None  # never echoed: it may hold a secret
    return STORES[location.scheme](location)


__all__ = [
    "STORES",
    "FileStore",
    "HeldPuts",
    "ObjectMissing",
    "ObjectStore",
    "S3Store",
    "open_store",
    "sha256_hex",
]
