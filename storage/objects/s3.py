"""The S3 object store: a bucket of any S3-compatible service, configured as boto3 is.

Works unchanged on AWS, MinIO, Ceph or R2: the endpoint, region and
credentials come from boto3's standard chain, never from the store URL.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from newsarchive.config import StoreLocation
from newsarchive.errors import StorageError
from newsarchive.storage.objects.store import ObjectMissing, checked_key, sha256_hex


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

    @classmethod
    def at(cls, location: StoreLocation) -> S3Store:
        """The store an ``s3://BUCKET[/PREFIX]`` URL names."""
        return cls(location.path, location.prefix)

    def _key(self, key: str) -> str:
        key = checked_key(key)
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
