"""Write-once object stores: a local directory or an S3-compatible bucket.

Every object is written once and never replaced, so an archived page cannot
be silently rewritten.  Writing a key that already holds the same bytes is a
success (a rerun after a crash repeats its writes); a key holding different
bytes is an error.  Store URLs never carry credentials: S3 credentials come
from boto3's standard chain (``AWS_*`` environment, profiles, instance
roles), so the URL can be logged and kept in the catalog as is.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from newsarchive.config import parse_store_url
from newsarchive.errors import ConfigError, StorageError


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


def _checked_key(key: str) -> str:
    """Refuse keys that could escape the store root or collide after normalising."""
    parts = PurePosixPath(key).parts
    if not key or key.startswith("/") or any(p in {"", ".", ".."} for p in parts):
        raise StorageError(f"invalid object key: {key!r}")
    return key


class FileStore:
    """Objects as files under a root directory.

    A write goes to a temporary file in the target directory and is then
    hard-linked into place: ``os.link`` fails if the name exists, so two
    writers can never overwrite each other and readers never see half a file.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.url = f"file://{root}"

    def _path(self, key: str) -> Path:
        return self.root / _checked_key(key)

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


class S3Store:
    """Objects in an S3-compatible bucket under a key prefix.

    The client is configured by boto3's standard mechanisms (endpoint,
    region, credentials); only signing and retry policy are fixed here.
    Uploads send their SHA-256 so the server rejects bytes damaged in
    transit, and ``If-None-Match: *`` so an existing object is never replaced.
    """

    def __init__(self, bucket: str, prefix: str, client: Any | None = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.url = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self.client = client if client is not None else _s3_client()

    def _key(self, key: str) -> str:
        key = _checked_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        digest = hashlib.sha256(data).digest()
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._key(key),
                Body=data,
                ChecksumAlgorithm="SHA256",
                ChecksumSHA256=base64.b64encode(digest).decode("ascii"),
                IfNoneMatch="*",
            )
        except ClientError as exc:
            if _error_code(exc) not in {"PreconditionFailed", "412"}:
                raise StorageError(f"cannot write {key} to {self.url}: {_describe(exc)}") from None
            if sha256_hex(self.get(key)) != digest.hex():
                raise StorageError(
                    f"object {key} already exists with other content in {self.url}"
                ) from None
        except BotoCoreError as exc:
            raise StorageError(f"cannot write {key} to {self.url}: {exc}") from None

    def get(self, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            return bytes(response["Body"].read())
        except ClientError as exc:
            if _error_code(exc) in {"NoSuchKey", "404"}:
                raise ObjectMissing(f"object {key} is missing from {self.url}") from None
            raise StorageError(f"cannot read {key} from {self.url}: {_describe(exc)}") from None
        except BotoCoreError as exc:
            raise StorageError(f"cannot read {key} from {self.url}: {exc}") from None


def _s3_client() -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        signature_version="s3v4",
        retries={"max_attempts": 5, "mode": "standard"},
        connect_timeout=10,
        read_timeout=60,
    )
    return boto3.session.Session().client("s3", config=config)


def _error_code(exc: Any) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _describe(exc: Any) -> str:
    """The S3 error code and message; never the request, which carries the signature."""
    error = exc.response.get("Error", {})
    return f"{error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": ")


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


def open_store(url: str) -> ObjectStore:
    """The store named by ``file://PATH`` or ``s3://BUCKET[/PREFIX]``."""
    try:
        location = parse_store_url(url)
    except ValueError as exc:
        raise ConfigError(f"store URL: {exc}") from None  # never echoed: it may hold a secret
    if location.scheme == "file":
        return FileStore(Path(location.path).resolve())
    return S3Store(location.path, location.prefix)
