"""An archive on each catalog engine, for the fleet's tests (a module may define its own)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsarchive.storage import Archive


@pytest.fixture
def archive(database_url: str, tmp_path: Path) -> Iterator[Archive]:
    with Archive.open(database_url, f"file://{tmp_path / 'objects'}") as opened:
        yield opened
