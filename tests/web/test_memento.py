"""Memento (RFC 7089) against the viewer: TimeMap, TimeGate, mementos, and their safety headers."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime

import pytest
from fastapi.testclient import TestClient

from newsarchive.replay.pages import load_pages
from newsarchive.replay.site import GONE_OUTLET
from newsarchive.storage import Archive
from newsarchive.storage.reading.captures import memento_stamp

BASE = "http://localhost"  # the test client's


def revisited(archive: Archive) -> str:
    """An article whose day-2 refetch was a 304: two captures, one a revisit."""
    for article in archive.list_articles():
        found = archive.captures(article.url)
        if any(c.not_modified for c in found) and article.url.endswith("/"):
            return article.url
    raise AssertionError("the replay fills no article refetched with a 304")


def test_timemap_lists_every_capture(client: TestClient, replayed_archive: Archive) -> None:
    for article in replayed_archive.list_articles():
        found = replayed_archive.captures(article.url)
        answer = client.get(f"/timemap/link/{article.url}")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/link-format")
        links = answer.text.strip().split(",\n")
        assert links[0] == f'<{article.url}>; rel="original"'
        assert f'<{BASE}/timemap/link/{article.url}>; rel="timemap"' in answer.text
        assert f'<{BASE}/timegate/{article.url}>; rel="timegate"' in links
        mementos = [link for link in links if 'rel="memento"' in link]
        assert [m.split(">")[0][1:] for m in mementos] == [
            f"{BASE}/memento/{memento_stamp(c.fetched_at)}/{article.url}" for c in found
        ]


def test_timegate_negotiates_on_accept_datetime(
    client: TestClient, replayed_archive: Archive
) -> None:
    url = revisited(replayed_archive)
    first, second = replayed_archive.captures(url)
    for asked, expected in [
        (first.fetched_at - timedelta(days=365), first),  # before the first: the first
        (first.fetched_at + (second.fetched_at - first.fetched_at) / 3, first),
        (second.fetched_at + timedelta(days=1), second),
    ]:
        answer = client.get(
            f"/timegate/{url}", headers={"Accept-Datetime": format_datetime(asked, usegmt=True)}
        )
        assert answer.status_code == 302
        assert answer.headers["vary"].lower() == "accept-datetime"
        stamp = memento_stamp(expected.fetched_at)
        assert answer.headers["location"] == f"{BASE}/memento/{stamp}/{url}"
        assert f'<{url}>; rel="original"' in answer.headers["link"]
    latest = client.get(f"/timegate/{url}")  # no Accept-Datetime: the latest memento
    assert latest.headers["location"].endswith(f"/{memento_stamp(second.fetched_at)}/{url}")
    bad = client.get(f"/timegate/{url}", headers={"Accept-Datetime": "yesterday"})
    assert bad.status_code == 400 and "Accept-Datetime" in bad.text


def test_mementos_are_the_archived_bytes_sandboxed(
    client: TestClient, replayed_archive: Archive
) -> None:
    for article in replayed_archive.list_articles():
        for capture in replayed_archive.captures(article.url):
            stamp = memento_stamp(capture.fetched_at)
            answer = client.get(f"/memento/{stamp}/{article.url}")
            assert answer.status_code == (410 if capture.gone else 200)  # the status as served
            assert answer.content == replayed_archive.capture_snapshot(article.url, capture).raw
            assert answer.headers["content-type"].startswith("text/html")
            policy = [p.strip() for p in answer.headers["content-security-policy"].split(";")]
            assert (
                policy[0] == "sandbox" and "allow-" not in answer.headers["content-security-policy"]
            )
            assert answer.headers["x-content-type-options"] == "nosniff"
            moment = parsedate_to_datetime(answer.headers["memento-datetime"])
            assert memento_stamp(moment) == stamp
            assert f'<{article.url}>; rel="original"' in answer.headers["link"]
            assert 'rel="timegate"' in answer.headers["link"]


def test_a_gone_page_is_a_memento_with_its_status(
    client: TestClient, replayed_archive: Archive
) -> None:
    url = load_pages()[GONE_OUTLET][-1].live_url
    page, gone = replayed_archive.captures(url)
    assert gone.gone
    later = format_datetime(gone.fetched_at + timedelta(days=30), usegmt=True)
    chosen = client.get(f"/timegate/{url}", headers={"Accept-Datetime": later})
    assert chosen.headers["location"] == f"{BASE}/memento/{memento_stamp(gone.fetched_at)}/{url}"
    answer = client.get(chosen.headers["location"])
    assert answer.status_code == 410 and b"removed" in answer.content
    assert memento_stamp(parsedate_to_datetime(answer.headers["memento-datetime"])) == (
        memento_stamp(gone.fetched_at)
    )
    before = client.get(f"/memento/{memento_stamp(page.fetched_at)}/{url}")
    assert before.status_code == 200 and b"removed" not in before.content

    article = client.get("/article", params={"url": url})
    note = f"gone since {gone.fetched_at:%Y-%m-%d %H:%M:%S} UTC, HTTP 410"
    assert note in article.text and article.text.count(note) == 2  # the banner and the capture
    capture = client.get(f"/capture/{memento_stamp(gone.fetched_at)}/{url}")
    assert note in capture.text


def test_a_timegate_path_may_carry_a_wayback_timestamp(
    client: TestClient, replayed_archive: Archive
) -> None:
    url = revisited(replayed_archive)
    first, second = replayed_archive.captures(url)
    for stamp, expected in [
        (memento_stamp(first.fetched_at), first),  # the first capture's own second
        (f"{first.fetched_at:%Y}", first),  # a year: its first instant
        ("2999", second),  # a year after every capture: the latest
    ]:
        answer = client.get(f"/timegate/{stamp}/{url}")
        assert answer.status_code == 302, answer.text
        location = f"{BASE}/memento/{memento_stamp(expected.fetched_at)}/{url}"
        assert answer.headers["location"] == location, stamp


def test_a_moment_between_captures_redirects_to_the_nearest(
    client: TestClient, replayed_archive: Archive
) -> None:
    url = revisited(replayed_archive)
    first, _second = replayed_archive.captures(url)
    answer = client.get(f"/memento/19990101000000/{url}")
    assert answer.status_code == 302
    assert answer.headers["location"] == f"{BASE}/memento/{memento_stamp(first.fetched_at)}/{url}"


@pytest.mark.parametrize(
    ("path", "status", "needle"),
    [
        ("/memento/2026x/{url}", 400, "not a timestamp"),
        ("/memento/20261399000000/{url}", 400, "not a timestamp"),
        ("/timegate/20261399/{url}", 400, "not a timestamp"),
        ("/timemap/link/https://nowhere.example/story", 404, "nowhere.example"),
        ("/timegate/https://nowhere.example/story", 404, "nowhere.example"),
        ("/memento/20260101000000/not-a-url", 400, "not an http(s) URL"),
    ],
)
def test_bad_memento_requests_get_one_clear_answer(
    client: TestClient, replayed_archive: Archive, path: str, status: int, needle: str
) -> None:
    answer = client.get(path.format(url=revisited(replayed_archive)))
    assert answer.status_code == status
    assert needle in answer.text and "Traceback" not in answer.text
