"""The viewer's CDX API: its text form, and bad parameters as one line each.

That its lines are pywb's lines is shown against pywb itself, in
``tests/e2e/test_cdx_in_pywb.py``.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from test_memento import revisited
from test_viewer import text_of

from newsarchive.storage import Archive
from newsarchive.storage.reading.captures import memento_stamp


def test_text_lines_are_key_timestamp_and_the_json_fields(
    client: TestClient, replayed_archive: Archive
) -> None:
    url = revisited(replayed_archive)
    found = replayed_archive.captures(url)
    text = client.get("/cdx", params={"url": url})
    as_json = client.get("/cdx", params={"url": url, "output": "json"})
    assert text.status_code == as_json.status_code == 200
    assert text.headers["content-type"].startswith("text/plain")
    assert as_json.headers["content-type"].startswith("text/x-ndjson")
    objects = [json.loads(line) for line in as_json.text.splitlines()]
    assert [o["timestamp"] for o in objects] == [memento_stamp(c.fetched_at) for c in found]
    for line, whole in zip(text.text.splitlines(), objects, strict=True):
        key, stamp, fields = line.split(" ", 2)
        assert {"urlkey": key, "timestamp": stamp, **json.loads(fields)} == whole


def test_a_304_is_a_revisit_without_a_status(client: TestClient, replayed_archive: Archive) -> None:
    url = revisited(replayed_archive)
    found = replayed_archive.captures(url)
    answer = client.get("/cdx", params={"url": url, "output": "json"})
    objects = [json.loads(line) for line in answer.text.splitlines()]
    for capture, line in zip(found, objects, strict=True):
        if capture.not_modified:
            assert line["mime"] == "warc/revisit" and "status" not in line
        else:
            assert line["status"] == str(capture.status)


def test_limit_keeps_the_first_lines(client: TestClient, replayed_archive: Archive) -> None:
    url = revisited(replayed_archive)
    host = url.split("/")[2]
    every = client.get("/cdx", params={"url": host, "matchType": "host"}).text.splitlines()
    assert len(every) > 2
    first = client.get("/cdx", params={"url": host, "matchType": "host", "limit": 2}).text
    assert first.splitlines() == every[:2]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "url: field required"),
        ("url=", "url: a URL to look up is required"),
        ("url=example.org&matchType=everything", "matchType: not one of exact, prefix"),
        ("url=example.org&from=2026-01", "from: not a timestamp"),
        ("url=example.org&to=20261399", "to: not a timestamp"),
        ("url=example.org&limit=0", "limit: input should be greater than or equal to 1"),
        ("url=example.org&limit=many", "limit: input should be a valid integer"),
        ("url=example.org&output=xml", "output: not json or text"),
        ("url=http://example.org:99999/&matchType=host", "url: not a URL"),
    ],
)
def test_bad_parameters_are_one_clear_line(client: TestClient, query: str, message: str) -> None:
    answer = client.get(f"/cdx?{query}")
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert message in text_of(answer.text)
    assert "Traceback" not in answer.text and "{" not in text_of(answer.text)
