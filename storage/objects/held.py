"""A group commit's objects, held back and written together just before it commits."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from newsarchive.errors import StorageError
from newsarchive.storage.objects.store import ObjectStore


class HeldPuts:
    """A store's puts held back, then written together before the rows naming them commit.

    Filing writes objects in the middle of its transaction, one page after
    another: each new version's metadata, each new text. Against S3 each is
    a round trip of its own, so a group commit of 16 new pages waited on 16
    or 32 in a row, holding the catalog's write lock throughout. Held here,
    a batch's objects go out concurrently once its rows are built, and are
    all in the store before the transaction commits: no row ever names a
    missing object, as before.
    """

    THREADS = 8  # below botocore's 10 pooled connections, so none is thrown away

    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        self.url = store.url
        self._held: dict[str, bytes] = {}

    def put(self, key: str, data: bytes) -> None:
        if self._held.setdefault(key, data) != data:
            raise StorageError(f"object {key} already exists with other content in {self.url}")

    def get(self, key: str) -> bytes:
        return self._held[key] if key in self._held else self.store.get(key)

    def write(self) -> None:
        """Put every held object; the first failure is raised once all have ended."""
        held, self._held = self._held, {}
        if len(held) <= 1:
            for key, data in held.items():
                self.store.put(key, data)
            return
        with ThreadPoolExecutor(min(len(held), self.THREADS), "object-put") as threads:
            writes = [threads.submit(self.store.put, key, data) for key, data in held.items()]
        for write in writes:
            write.result()
