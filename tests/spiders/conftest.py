"""A fresh loopback site per test (see loopback.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from loopback import Site


@pytest.fixture
def site() -> Iterator[Site]:
    with Site() as running:
        running.page("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
        yield running


@pytest.fixture(params=["inprocess", "subprocess"])
def mode(request: pytest.FixtureRequest) -> str:
    """The key behaviours are checked in both crawl modes."""
    return str(request.param)
