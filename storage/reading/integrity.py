"""Verifying the store against the catalog: every object re-read and re-hashed.

moto, MinIO and disks do not all validate checksums on read, so integrity is
judged only by the SHA-256 values the catalog recorded when the objects were
written: of the stored bytes, and for raw pages and page requisites also of
the body inside the gzip wrapper.
"""

from __future__ import annotations

import gzip
import random
import zlib
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsarchive.errors import InputError, StorageError
from newsarchive.storage.catalog.models import ContentRow, FetchRow, RequisiteRow, VersionRow
from newsarchive.storage.objects import FileStore, ObjectMissing, ObjectStore, layout, sha256_hex
from newsarchive.storage.results import VerifyReport


class ObjectRef(NamedTuple):
    key: str
    sha256: str | None
    body_sha256: str | None = None  # raw pages: SHA-256 of the uncompressed body


def _references(session: Session) -> Iterator[ObjectRef]:
    raws = select(FetchRow.raw_key, FetchRow.raw_object_sha256, FetchRow.raw_sha256).where(
        FetchRow.raw_key.is_not(None)
    )
    for key, sha, body_sha in session.execute(raws.distinct()):
        yield ObjectRef(str(key), sha, body_sha)
    for key, sha in session.execute(select(ContentRow.key, ContentRow.sha256)):
        yield ObjectRef(key, sha)
    for key, sha in session.execute(select(VersionRow.meta_key, VersionRow.meta_sha256)):
        yield ObjectRef(key, sha)
    requisites = select(RequisiteRow.key, RequisiteRow.object_sha256, RequisiteRow.body_sha256)
    for key, sha, body_sha in session.execute(requisites.distinct()):
        yield ObjectRef(key, sha, body_sha)


def _intact(data: bytes, ref: ObjectRef) -> bool:
    if ref.sha256 is not None and sha256_hex(data) != ref.sha256:
        return False
    if ref.body_sha256 is None:
        return True
    try:
        return sha256_hex(layout.decompress_raw(data)) == ref.body_sha256
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile):
        return False


def _sampled(refs: Iterator[ObjectRef], size: int) -> list[ObjectRef]:
    """A uniform random sample in one pass (reservoir), so memory is O(size) not O(archive)."""
    chosen: list[ObjectRef] = []
    for seen, ref in enumerate(refs):
        if seen < size:
            chosen.append(ref)
        elif (slot := random.randint(0, seen)) < size:
            chosen[slot] = ref
    return chosen


def verify(
    session: Session, store: ObjectStore, *, sample: int | None, remove_leftovers: bool = False
) -> VerifyReport:
    """Check all objects, or a random ``sample`` of them, against the catalog.

    A directory store is also searched for the temporary files of writers
    that were killed mid-write, which no row names and no write will finish;
    with ``remove_leftovers`` they are removed.
    """
    if sample is not None and sample < 1:
        raise InputError("verify sample must be at least 1")
    refs: Iterable[ObjectRef] = _references(session)
    if sample is not None:
        refs = _sampled(iter(refs), sample)
    checked = 0
    missing: list[str] = []
    corrupted: list[str] = []
    unreadable: list[str] = []
    for ref in refs:
        checked += 1
        try:
            data = store.get(ref.key)
        except ObjectMissing:
            missing.append(ref.key)
            continue
        except StorageError as exc:  # one object that cannot be read never stops the audit
            unreadable.append(f"{ref.key}: {exc}")
            continue
        if not _intact(data, ref):
            corrupted.append(ref.key)
    leftovers = store.leftovers() if isinstance(store, FileStore) else []
    if remove_leftovers and isinstance(store, FileStore):
        for name in leftovers:
            store.remove_leftover(name)
    return VerifyReport(
        checked=checked,
        missing=missing,
        corrupted=corrupted,
        unreadable=unreadable,
        leftovers=leftovers,
        leftovers_removed=remove_leftovers and bool(leftovers),
    )
