"""The local object store: a directory, each object a file written once."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from newsarchive.config import StoreLocation
from newsarchive.errors import StorageError
from newsarchive.storage.objects.store import ObjectMissing, checked_key, sha256_hex


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
                self._require_same(key, path, data)
                return
            with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", delete=False) as tmp:
                tmp.write(data)
                tmp.flush()
                os.fsync(tmp.fileno())
            try:
                os.link(tmp.name, path)
            except FileExistsError:
                self._require_same(key, path, data)
            finally:
                Path(tmp.name).unlink()
        except OSError as exc:
            raise StorageError(f"cannot write {key} in {self.url}: {exc.strerror}") from None

    def _require_same(self, key: str, path: Path, data: bytes) -> None:
        if sha256_hex(path.read_bytes()) != sha256_hex(data):
            raise StorageError(f"object {key} already exists with other content in {self.url}")

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise ObjectMissing(f"object {key} is missing from {self.url}") from None
        except OSError as exc:
            raise StorageError(f"cannot read {key} in {self.url}: {exc.strerror}") from None
