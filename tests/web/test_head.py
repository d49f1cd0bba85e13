"""HEAD on every viewer route, and mementoweb's reference client, which always uses it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from memento_client import MementoClient
from viewer_server import served

from newsarchive.replay.pages import load_pages
from newsarchive.replay.site import GONE_OUTLET, UPDATED_OUTLET
from newsarchive.storage import Archive
from newsarchive.storage.reading.captures import memento_stamp
from newsarchive.web import api, cdx, changes, create_app, downloads, mementos, pages


def examples(archive: Archive) -> dict[str, list[str]]:
    """Route template -> requests of it over the replayed archive (found and not found)."""
    (article,) = archive.list_articles(outlet=UPDATED_OUTLET)
    url = article.url
    first, second = archive.captures(url)[:2]
    gone = load_pages()[GONE_OUTLET][-1].live_url
    gone_stamp = memento_stamp(archive.captures(gone)[-1].fetched_at)
    return {
        "/": ["/"],
        "/health": ["/health"],
        "/outlets/{name}": [f"/outlets/{UPDATED_OUTLET}?since=2000-01-01", "/outlets/nowhere"],
        "/article": [f"/article?url={url}", "/article?url=https://nowhere.example/x"],
        "/diff": [f"/diff?url={url}&a=1&b=2", f"/diff?url={url}&a=1&b=9"],
        "/nearest": [f"/nearest?url={url}&at=2000-01-01"],
        "/capture/{stamp}/{url:path}": [f"/capture/{memento_stamp(first.fetched_at)}/{url}"],
        "/timemap/link/{url:path}": [f"/timemap/link/{url}", "/timemap/link/https://no.example/"],
        "/timegate/{url:path}": [f"/timegate/{url}", f"/timegate/{gone}"],
        "/memento/{stamp}/{url:path}": [
            f"/memento/{memento_stamp(second.fetched_at)}/{url}",
            f"/memento/{gone_stamp}/{gone}",  # a 410 as served
            f"/memento/19990101000000/{url}",  # a redirect to the nearest
            f"/memento/202613/{url}",  # a timestamp naming no moment (month 13)
        ],
        "/cdx": [f"/cdx?url={url}&output=json", f"/cdx?url={url}&matchType=host", "/cdx?url="],
        "/search": ["/search?q=Kim&per_page=2", "/search", "/search?q=Kim&page=999"],
        "/lookup": [f"/lookup?url={url}", "/lookup?url=https://nowhere.example/x"],
        "/download/capture/{stamp}/{url:path}": [
            f"/download/capture/{memento_stamp(first.fetched_at)}/{url}"
        ],
        "/download/article": [f"/download/article?url={url}&format=warc.gz"],
        "/changes": ["/changes?days=7", "/changes?days=0"],
        "/changes.atom": ["/changes.atom"],
        "/api/articles": ["/api/articles?per_page=2", "/api/articles?since=x"],
        "/api/versions": [f"/api/versions?url={url}"],
        "/api/captures": [f"/api/captures?url={url}", "/api/captures?url=https://no.example/"],
        "/api/search": ["/api/search?q=Kim&per_page=1"],
    }


def test_head_answers_every_route_as_get_without_the_body(
    client: TestClient, replayed_archive: Archive
) -> None:
    wanted = examples(replayed_archive)
    routes = {
        r.path
        for module in (pages, mementos, cdx, downloads, changes, api)
        for r in module.router.routes
        if isinstance(r, APIRoute)
    }
    assert routes == set(wanted)  # a new route needs its examples here
    statuses = set()
    for paths in wanted.values():
        for path in [*paths, "/static/viewer.css"]:
            got, head = client.get(path), client.head(path)
            statuses.add(got.status_code)
            assert head.status_code == got.status_code, path
            if path.startswith("/download/article"):  # a package made afresh for each request:
                assert "content-length" in head.headers, path  # its size is this making's
                del head.headers["content-length"], got.headers["content-length"]
            assert dict(head.headers) == dict(got.headers), path
            assert head.content == b"" and (got.content or got.status_code == 302), path
    assert statuses >= {200, 302, 400, 404, 410}


@pytest.fixture(scope="module")
def viewer(replayed_archive: Archive) -> Iterator[str]:
    """The viewer served by uvicorn on loopback, as ``newsarchive web`` serves it."""
    with served(create_app(replayed_archive)) as port:
        yield f"http://127.0.0.1:{port}"


def test_the_reference_memento_client_finds_every_capture(
    viewer: str, replayed_archive: Archive
) -> None:
    session = requests.Session()
    session.trust_env = False  # loopback only, whatever proxy the environment names
    client = MementoClient(
        timegate_uri=f"{viewer}/timegate/", check_native_timegate=False, session=session
    )
    for article in replayed_archive.list_articles():
        found = replayed_archive.captures(article.url)
        for capture in found:
            memento = f"{viewer}/memento/{memento_stamp(capture.fetched_at)}/{article.url}"
            asked = capture.fetched_at.replace(tzinfo=None) + timedelta(seconds=0.4)
            # asked by one of its mementos, so the client's HEAD of it stays on loopback
            info = client.get_memento_info(memento, asked)
            assert info["original_uri"] == article.url
            closest = info["mementos"]["closest"]
            assert closest["uri"] == [memento], (article.url, capture.fetched_at)
            assert closest["datetime"] == capture.fetched_at.replace(tzinfo=None, microsecond=0)
            assert closest["http_status_code"] == (410 if capture.gone else 200)
            assert MementoClient.is_memento(memento, session=session)
