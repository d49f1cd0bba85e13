"""Fixtures for the archive tests: the archive on each catalog, both stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsarchive.storage import Archive


@pytest.fixture(params=["file", "s3"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store the archive supports: a directory, and a bucket on the moto server."""
    if request.param == "file":
        return f"file://{tmp_path / 'objects'}"
    bucket = request.getfixturevalue("s3_bucket")
    return f"s3://{bucket}/archive"


@pytest.fixture
def file_store_url(tmp_path: Path) -> str:
    return f"file://{tmp_path / 'objects'}"


@pytest.fixture
def archive(database_url: str, file_store_url: str) -> Iterator[Archive]:
    """The archive on each catalog with the default (file) store."""
    with Archive.open(database_url, file_store_url) as opened:
        yield opened
