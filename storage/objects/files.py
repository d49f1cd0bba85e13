"""The local object store: a directory, each object a file written once."""

from __future__ import annotations

import os
import stat
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from newsarchive.config import StoreLocation
from newsarchive.errors import StorageError
from newsarchive.storage.objects.store import ObjectMissing, checked_key, sha256_hex

TEMPORARY = ".tmp-"
"""How the name of an object being written begins, until it is linked into place."""
LEFTOVER_AGE = timedelta(hours=1)
"""How old a temporary file is when no write can own it any more: a put holds its file for
the time of one write, and one that fails removes it; only a writer killed mid-put leaves
one behind."""


class FileStore:
    """Objects as files under a root directory.

    A write goes to a temporary file in the target directory and is then
    hard-linked into place: ``os.link`` fails if the name exists, so two
    writers can never overwrite each other and readers never see half a file.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.url = f"file://{root}"

    @classmethod
    def at(cls, location: StoreLocation) -> FileStore:
        """The store a ``file://`` URL names."""
        return cls(Path(location.path).resolve())

    def _path(self, key: str) -> Path:
        return self.root / checked_key(key)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                self._require_same(key, data)
                return
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=TEMPORARY)
            try:  # whatever fails (a full disk fails the write), the temporary file goes
                with os.fdopen(fd, "wb") as tmp:
                    tmp.write(data)
                    tmp.flush()
                    os.fsync(tmp.fileno())
                os.link(temporary, path)
            except FileExistsError:
                self._require_same(key, data)
            finally:
                Path(temporary).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot write {key} in {self.url}: {exc.strerror}") from None

    def _require_same(self, key: str, data: bytes) -> None:
        if sha256_hex(self.get(key)) != sha256_hex(data):
            raise StorageError(f"object {key} already exists with other content in {self.url}")

    def get(self, key: str) -> bytes:
        """The object's bytes; a name that holds anything but a regular file is unreadable.

        Opened without waiting and checked before it is read: a FIFO or a
        device in an object's place would otherwise block the reader (a
        ``verify`` of the whole store) for as long as no one writes to it.
        """
        try:
            fd = os.open(self._path(key), os.O_RDONLY | os.O_NONBLOCK)
        except FileNotFoundError:
            raise ObjectMissing(f"object {key} is missing from {self.url}") from None
        except OSError as exc:
            raise StorageError(f"cannot read {key} in {self.url}: {exc.strerror}") from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise StorageError(f"cannot read {key} in {self.url}: not a regular file")
            with os.fdopen(fd, "rb", closefd=False) as file:
                return file.read()
        except OSError as exc:
            raise StorageError(f"cannot read {key} in {self.url}: {exc.strerror}") from None
        finally:
            os.close(fd)

    def leftovers(self, older_than: timedelta = LEFTOVER_AGE) -> list[str]:
        """Temporary files no write owns any more, by their path under the root."""
        cutoff = time.time() - older_than.total_seconds()
        found = []
        for path in self.root.rglob(f"{TEMPORARY}*"):
            try:
                if path.lstat().st_mtime < cutoff:
                    found.append(str(path.relative_to(self.root)))
            except FileNotFoundError:  # a write that ended meanwhile took it
                continue
        return sorted(found)

    def remove_leftover(self, name: str) -> None:
        """Remove one of :meth:`leftovers`; never an object (its name is no temporary one)."""
        path = self.root / checked_key(name)
        if not path.name.startswith(TEMPORARY):
            raise StorageError(f"{name} is no temporary file of {self.url}")
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot remove {name} in {self.url}: {exc.strerror}") from None
