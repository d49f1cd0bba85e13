"""One codec for every record: each round-trips exactly, through JSON text too."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from newsarchive import codec
from newsarchive.config import CrawlMode
from newsarchive.errors import InputError
from newsarchive.records import (
    Capture,
    DateCandidate,
    Discovery,
    Extraction,
    Fetch,
    FetchOutcome,
    OutletMemory,
    RobotsFile,
    Validators,
)
from newsarchive.spiders.child import Answer, Ask, ChildJob
from newsarchive.spiders.outlets import builtin_outlets_path, load_outlets
from newsarchive.spiders.settings import CrawlOptions


def through_json(record: object) -> object:
    """Out as one line of JSON text, parsed by ``json``, and back in."""
    line = codec.to_json_line(record)
    assert b"\n" not in line
    return codec.from_json(type(record), json.loads(line))


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
    assert through_json(fetch) == fetch


def test_failed_fetch_round_trips() -> None:
    fetch = Fetch(
        outlet="x",
        url="https://example.org/b",
        outcome=FetchOutcome.NETWORK_ERROR,
        fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
        error="DownloadTimeoutError: took longer than 30 seconds",
        attempts=3,
    )
    assert through_json(fetch) == fetch


def test_child_job_and_its_questions_round_trip() -> None:
    robots = RobotsFile(
        "https://a.example", 200, b"\xef\xbb\xbfDisallow: /\xe9/\n", datetime.now(UTC)
    )
    job = ChildJob(
        outlets=load_outlets(builtin_outlets_path()),
        options=CrawlOptions("ua", 1000, 5, CrawlMode.SUBPROCESS, {"a.example": "http://x/a"}),
        memory={"a": OutletMemory(revisits=("https://a.example/1",), robots=(robots,))},
    )
    assert codec.from_json(ChildJob, codec.to_json_line(job)) == job
    question = Ask("x", ["example.org/a", "example.org/b"])
    assert codec.from_json(Ask, codec.to_json_line(question)) == question
    answer = Answer({"example.org/a": Validators(etag='"v1"', last_modified=None)})
    assert codec.from_json(Answer, codec.to_json_line(answer)) == answer


EDGE = timezone(timedelta(hours=14))  # year 1 here has no instant in UTC


def test_page_dates_keep_their_offset_and_date_only_values_stay_dates() -> None:
    extraction = Extraction(
        url="https://example.org/a",
        profile="generic",
        title="T",
        text="Body",
        published=datetime(2021, 3, 23),  # a date, no time known
        modified=datetime(2026, 2, 23, 18, 7, tzinfo=timezone(timedelta(hours=3))),
        date_candidates=(
            DateCandidate("json-ld:datePublished", datetime(2021, 3, 23)),
            DateCandidate("time:datetime", datetime(1, 1, 1, tzinfo=EDGE), rejected="no UTC"),
        ),
    )
    plain = codec.to_json(extraction)
    assert plain["published"] == "2021-03-23"
    assert plain["modified"] == "2026-02-23T18:07:00+03:00"
    assert plain["date_candidates"] == [
        {"source": "json-ld:datePublished", "value": "2021-03-23", "rejected": None},
        {"source": "time:datetime", "value": "0001-01-01T00:00:00+14:00", "rejected": "no UTC"},
    ]
    assert through_json(extraction) == extraction


def test_a_damaged_record_is_one_input_error() -> None:
    with pytest.raises(InputError, match="not a valid Fetch: outcome"):
        codec.from_json(Fetch, {"outlet": "x", "url": "u", "outcome": "lost", "fetched_at": "x"})
