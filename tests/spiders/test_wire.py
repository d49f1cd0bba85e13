"""The child-process wire format round-trips Fetch records exactly."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from newsarchive.records import Capture, Discovery, Fetch, FetchOutcome, Validators
from newsarchive.spiders.wire import (
    fetch_from_json,
    fetch_line,
    known_from_json,
    known_to_json,
)


def test_fetch_with_capture_round_trips() -> None:
    discovery = Discovery(
        via="news-sitemap",
        source_url="https://example.org/sitemap.xml",
        published=datetime(2026, 2, 23, 9, 20, tzinfo=timezone(timedelta(hours=3))),
        title="Ünïcode title",
    )
    capture = Capture(
        outlet="example",
        url="https://example.org/a",
        requested_url="https://example.org/a?x=1",
        final_url="https://example.org/a/",
        status=200,
        fetched_at=datetime(2026, 2, 24, 1, 2, 3, 456789, tzinfo=UTC),
        request_headers=(("User-Agent", "ua"), ("Accept", "*/*")),
        response_headers=(("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")),
        body=bytes(range(256)) * 3,
        discovery=discovery,
    )
    fetch = Fetch(
        outlet="example",
        url=capture.url,
        outcome=FetchOutcome.FETCHED,
        fetched_at=capture.fetched_at,
        status=200,
        capture=capture,
        discovery=discovery,
    )
    line = fetch_line(fetch)
    assert line.endswith("\n") and line.count("\n") == 1
    assert fetch_from_json(json.loads(line)["fetch"]) == fetch


def test_failed_fetch_round_trips() -> None:
    fetch = Fetch(
        outlet="x",
        url="https://example.org/b",
        outcome=FetchOutcome.NETWORK_ERROR,
        fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
        error="DownloadTimeoutError: took longer than 30 seconds",
        attempts=3,
    )
    assert fetch_from_json(json.loads(fetch_line(fetch))["fetch"]) == fetch


def test_known_validators_round_trip() -> None:
    known = {"x": {"https://example.org/a": Validators(etag='"v1"', last_modified=None)}}
    assert known_from_json(json.loads(json.dumps(known_to_json(known)))) == known
