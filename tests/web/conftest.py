"""The viewer over an archive filled from the replay site (day 1, then day 2)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newsarchive.config import Settings
from newsarchive.storage import Archive
from newsarchive.web import create_app


@pytest.fixture(scope="module")
def replayed_archive(replayed_home: Path) -> Iterator[Archive]:
    settings = Settings(home=replayed_home)
    with Archive.open(settings.database_url, settings.store_url) as archive:
        yield archive


@pytest.fixture(scope="module")
def client(replayed_archive: Archive) -> Iterator[TestClient]:
    app = create_app(replayed_archive)
    with TestClient(app, base_url="http://localhost", follow_redirects=False) as running:
        yield running
