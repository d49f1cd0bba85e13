"""Write-once object stores: a directory and an S3 bucket (moto over HTTP)."""

from __future__ import annotations

import base64
import hashlib

import boto3
import pytest

from newsarchive.config import StoreScheme
from newsarchive.errors import ConfigError, StorageError
from newsarchive.storage import ObjectMissing, open_store
from newsarchive.storage.objects import STORES, FileStore, S3Store


def test_objects_are_written_once_and_read_back(store_url: str) -> None:
    store = open_store(store_url)
    store.put("text/ab/abc.txt", b"first")
    store.put("text/ab/abc.txt", b"first")  # a rerun repeating its write
    assert store.get("text/ab/abc.txt") == b"first"
    with pytest.raises(StorageError, match="already exists with other content"):
        store.put("text/ab/abc.txt", b"second")
    assert store.get("text/ab/abc.txt") == b"first"
    with pytest.raises(ObjectMissing, match=r"object text/none\.txt is missing from"):
        store.get("text/none.txt")
    with pytest.raises(StorageError, match="invalid object key"):
        store.put("../escape.txt", b"x")


def test_file_store_leaves_no_temporary_files(tmp_path) -> None:
    store = open_store(f"file://{tmp_path}/objects")
    assert isinstance(store, FileStore)
    store.put("raw/a/2026/02/23/x.html.gz", b"page")
    store.put("raw/a/2026/02/23/x.html.gz", b"page")
    files = [p.name for p in (tmp_path / "objects").rglob("*") if p.is_file()]
    assert files == ["x.html.gz"]


def test_s3_uploads_carry_their_sha256(s3_bucket: str) -> None:
    store = open_store(f"s3://{s3_bucket}/archive/")
    assert isinstance(store, S3Store)
    assert store.url == f"s3://{s3_bucket}/archive"
    store.put("meta/x.json", b'{"a": 1}')
    head = boto3.client("s3").head_object(
        Bucket=s3_bucket, Key="archive/meta/x.json", ChecksumMode="ENABLED"
    )
    expected = base64.b64encode(hashlib.sha256(b'{"a": 1}').digest()).decode()
    assert head["ChecksumSHA256"].split("-")[0] == expected


def test_s3_errors_are_one_line_storage_errors(s3_env: str) -> None:
    store = open_store("s3://no-such-bucket-here/p")
    with pytest.raises(
        StorageError, match=r"cannot write k to s3://no-such-bucket-here/p: NoSuchBucket"
    ):
        store.put("k", b"x")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("s3://AKIAEXAMPLE:wJalrSECRET@bucket/p", "must not contain credentials"),
        ("ftp://host/path", "must be file://PATH or s3://BUCKET"),
        ("s3://bucket/p?region=eu", "takes no query"),
        ("s3:///p", "must be file://PATH or s3://BUCKET"),
    ],
)
def test_bad_store_urls_are_refused_without_echoing_secrets(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        open_store(url)
    assert "wJalrSECRET" not in str(caught.value)


def test_every_store_url_scheme_opens_a_store_of_its_own() -> None:
    assert set(STORES) == set(StoreScheme)
    assert STORES[StoreScheme.FILE].__self__ is FileStore  # type: ignore[attr-defined]
    assert STORES[StoreScheme.S3].__self__ is S3Store  # type: ignore[attr-defined]
