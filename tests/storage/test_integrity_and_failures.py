"""Integrity: verify finds damage, S3 failures leave no dangling rows, no secrets kept."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from sqlalchemy import inspect, text
from storage_builders import (
    T0,
    XINHUA_VANGUARD,
    archive_one,
    extracted,
    fetched,
    hours,
    page,
    seed_text,
)

from newsarchive.errors import StorageError
from newsarchive.records import ArchiveOutcome
from newsarchive.storage import Archive
from newsarchive.storage.objects import S3Store

URL = "https://www.vanguardngr.com/2021/01/xi-congratulates-kim/"
KCNA = "https://kcnawatch.org/newstream/1616482916-3/"


def damage(store_url: str, key: str, data: bytes | None) -> None:
    """Delete (``data=None``) or overwrite an object behind the archive's back."""
    parts = urlsplit(store_url)
    if parts.scheme == "file":
        path = Path(parts.path) / key
        if data is None:
            path.unlink()
        else:
            path.write_bytes(data)
        return
    s3 = boto3.client("s3")
    full_key = f"{parts.path.strip('/')}/{key}"
    if data is None:
        s3.delete_object(Bucket=parts.netloc, Key=full_key)
    else:
        s3.put_object(Bucket=parts.netloc, Key=full_key, Body=data)


def test_verify_reports_deleted_and_corrupted_objects(database_url: str, store_url: str) -> None:
    with Archive.open(database_url, store_url) as archive:
        archive_one(archive, URL, seed_text(XINHUA_VANGUARD))
        archive_one(archive, KCNA, seed_text("003"), T0 + hours(1), outlet="kcna")
        clean = archive.verify()
        assert (clean.ok, clean.checked) == (True, 6)

        vanguard = archive.snapshot(URL).meta
        kcna = archive.snapshot(KCNA).meta
        damage(store_url, vanguard["text"]["key"], None)
        damage(store_url, kcna["raw"]["key"], b"\x1f\x8b not the page we fetched")

        report = archive.verify()
        assert report.missing == [vanguard["text"]["key"]]
        assert report.corrupted == [kcna["raw"]["key"]]
        assert not report.ok
        assert archive.verify(sample=2).checked == 2
        with pytest.raises(StorageError, match="does not match its SHA-256"):
            archive.snapshot(KCNA)
        with pytest.raises(StorageError, match="is missing from"):
            archive.snapshot(URL)


@pytest.mark.timeout(60)  # reading the FIFO would block until then
def test_verify_names_a_fifo_in_place_of_an_object_and_goes_on(
    archive: Archive, file_store_url: str
) -> None:
    archive_one(archive, URL, seed_text(XINHUA_VANGUARD))
    archive_one(archive, KCNA, seed_text("003"), T0 + hours(1), outlet="kcna")
    objects = Path(urlsplit(file_store_url).path)
    key = archive.snapshot(URL).meta["text"]["key"]
    (objects / key).unlink()
    os.mkfifo(objects / key)  # nobody ever writes to it

    report = archive.verify()
    assert report.unreadable == [
        f"{key}: cannot read {key} in {file_store_url}: not a regular file"
    ]
    assert (report.checked, report.missing, report.corrupted) == (6, [], [])
    with pytest.raises(StorageError, match="not a regular file"):
        archive.snapshot(URL)
    assert archive.snapshot(KCNA).text  # the other objects still read


def test_verify_finds_what_killed_writers_left_and_removes_it_when_asked(
    archive: Archive, file_store_url: str
) -> None:
    archive_one(archive, URL, seed_text(XINHUA_VANGUARD))
    objects = Path(urlsplit(file_store_url).path)
    folder = (objects / archive.snapshot(URL).meta["raw"]["key"]).parent
    abandoned = folder / ".tmp-k1ll3d"  # what a writer killed between write and link leaves
    abandoned.write_bytes(b"half a page")
    two_hours_ago = time.time() - 2 * 3600
    os.utime(abandoned, (two_hours_ago, two_hours_ago))
    writing = folder / ".tmp-wr1t1n"  # a write going on right now
    writing.write_bytes(b"a page being")
    name = str(abandoned.relative_to(objects))

    found = archive.verify()
    assert found.ok and found.leftovers == [name] and not found.leftovers_removed
    assert abandoned.exists()
    removed = archive.verify(remove_leftovers=True)
    assert removed.ok and removed.leftovers == [name] and removed.leftovers_removed
    assert not abandoned.exists() and writing.exists()
    assert archive.verify().leftovers == []
    assert archive.snapshot(URL).text  # the objects themselves untouched


class FailingPuts:
    """A botocore hook on the archive's real S3 client that fails chosen uploads."""

    def __init__(self, client: Any) -> None:
        self.prefixes: tuple[str, ...] = ()
        self.failed: list[str] = []
        client.meta.events.register("before-parameter-build.s3.PutObject", self)

    def __call__(self, params: dict[str, Any], **_: Any) -> None:
        key = params["Key"].split("/", 1)[1]
        if key.startswith(self.prefixes):
            self.failed.append(key)
            raise EndpointConnectionError(endpoint_url="http://s3.invalid")


def catalog_rows(archive: Archive) -> dict[str, list[Any]]:
    with archive.engine.connect() as connection:
        return {
            table: [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table}"))]
            for table in inspect(connection).get_table_names()
        }


@pytest.fixture
def s3_archive(database_url: str, s3_bucket: str) -> Iterator[tuple[Archive, FailingPuts]]:
    with Archive.open(database_url, f"s3://{s3_bucket}/archive") as archive:
        assert isinstance(archive.store, S3Store)
        yield archive, FailingPuts(archive.store.client)


def test_s3_failure_mid_write_leaves_nothing_dangling_and_a_rerun_repairs(
    s3_archive: tuple[Archive, FailingPuts],
) -> None:
    archive, failing = s3_archive
    text_v1 = seed_text(XINHUA_VANGUARD)
    fetch = fetched(URL, page(text_v1))

    failing.prefixes = ("raw/",)
    with pytest.raises(StorageError, match="cannot write raw/vanguard/2026/02/23/"):
        archive.record_fetch(fetch)
    assert catalog_rows(archive)["fetches"] == []

    failing.prefixes = ("meta/",)
    record = archive.record_fetch(fetch)
    with pytest.raises(StorageError, match="Could not connect to the endpoint URL"):
        archive.file_extraction(record, extracted(URL, text_v1))
    assert failing.failed[0] == record.raw_key
    assert failing.failed[1].startswith("meta/vanguard/2026/02/23/")
    rows = catalog_rows(archive)
    assert rows["versions"] == [] and rows["articles"] == []
    assert archive.verify().ok  # the text object written before the failure is named by no row
    assert [r.id for r in archive.unextracted()] == [record.id]

    failing.prefixes = ()
    (pending,) = archive.unextracted()
    assert archive.file_extraction(pending, extracted(URL, text_v1)) == ArchiveOutcome.NEW
    snapshot = archive.snapshot(URL)
    assert (snapshot.raw, snapshot.text) == (page(text_v1), text_v1)
    report = archive.verify()
    assert (report.ok, report.checked) == (True, 3)


def test_credentials_stay_out_of_catalog_objects_and_messages(
    s3_archive: tuple[Archive, FailingPuts], s3_bucket: str
) -> None:
    archive, failing = s3_archive
    secrets = ("testing-secret-key", "testing-key-id")
    fetch = fetched(URL, page(seed_text(XINHUA_VANGUARD)))
    assert fetch.capture is not None
    leaky = replace(
        fetch.capture,
        request_headers=(
            *fetch.capture.request_headers,
            ("Authorization", "Bearer testing-secret-key"),
            ("Cookie", "session=testing-key-id"),
        ),
    )
    record = archive.record_fetch(replace(fetch, capture=leaky))
    archive.file_extraction(record, extracted(URL, seed_text(XINHUA_VANGUARD)))
    failing.prefixes = ("raw/",)
    with pytest.raises(StorageError) as caught:
        archive.record_fetch(fetched(KCNA, page(seed_text("003")), outlet="kcna"))

    s3 = boto3.client("s3")
    stored = [
        s3.get_object(Bucket=s3_bucket, Key=item["Key"])["Body"].read()
        for item in s3.list_objects_v2(Bucket=s3_bucket)["Contents"]
    ]
    assert len(stored) == 3
    texts = [repr(catalog_rows(archive)), str(caught.value), archive.store.url]
    texts += [data.decode("utf-8", "replace") for data in stored]
    texts.append(repr(archive.load_capture(record)))
    for secret in secrets:
        assert not [t for t in texts if secret in t]
    assert ["Authorization", "[redacted]"] in archive.snapshot(URL).meta["fetch"]["request_headers"]
