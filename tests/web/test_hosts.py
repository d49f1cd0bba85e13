"""The viewer answers only to its own names, over real HTTP, and cannot be framed.

A page that re-points its own name at 127.0.0.1 (DNS rebinding) reaches a
loopback viewer with its name in ``Host``; so does a forged header.  Both
are refused, and the absolute URLs the viewer builds (Memento's ``Location``
and ``Link``, the TimeMap) only ever name the hosts it answers to.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
from viewer_server import served

from newsarchive.storage import Archive
from newsarchive.storage.reading.captures import memento_stamp
from newsarchive.web import create_app
from newsarchive.web.security import host_names

PUBLIC = "archive.example.org"  # the name of a deployment behind a proxy
FOREIGN = ["rebind.attacker.example", "attacker.example", "archive.example.org.attacker.example"]
_URI = re.compile(r"<([^>]+)>")


@pytest.fixture(scope="module")
def port(replayed_archive: Archive) -> Iterator[int]:
    """The viewer on 127.0.0.1, told of one public name."""
    with served(create_app(replayed_archive, hosts=host_names("127.0.0.1", [PUBLIC]))) as bound:
        yield bound


def ask(port: int, path: str, host: str, method: str = "GET") -> requests.Response:
    """``path`` of the viewer on 127.0.0.1, with ``host`` in the ``Host`` header."""
    with requests.Session() as session:
        session.trust_env = False  # loopback only, whatever proxy the environment names
        return session.request(
            method,
            f"http://127.0.0.1:{port}{path}",
            headers={"Host": host},
            allow_redirects=False,
            timeout=30,
        )


def linked_hosts(answer: requests.Response) -> set[str]:
    """The host of every absolute URL the viewer built into ``answer``."""
    uris = [answer.headers.get("location", "")]
    uris += _URI.findall(answer.headers.get("link", ""))
    if answer.headers.get("content-type", "").startswith("application/link-format"):
        uris += _URI.findall(answer.text)
    return {urlsplit(u).hostname or "" for u in uris if urlsplit(u).scheme.startswith("http")}


def memento_paths(archive: Archive) -> list[str]:
    """A TimeGate, a TimeMap, a memento and a redirect to the nearest memento."""
    article = next(iter(archive.list_articles()))
    stamp = memento_stamp(archive.captures(article.url)[0].fetched_at)
    return [
        f"/timegate/{article.url}",
        f"/timemap/link/{article.url}",
        f"/memento/{stamp}/{article.url}",
        f"/memento/19990101000000/{article.url}",
    ]


@pytest.mark.parametrize("host", FOREIGN)
def test_a_foreign_host_gets_400_and_no_url_of_its_name(
    port: int, replayed_archive: Archive, host: str
) -> None:
    for path in ["/", "/health", "/static/viewer.css", *memento_paths(replayed_archive)]:
        for method in ("GET", "HEAD"):
            answer = ask(port, path, f"{host}:{port}", method)
            assert answer.status_code == 400, (path, method)
            assert "location" not in answer.headers and "link" not in answer.headers
            assert host not in answer.text
            assert answer.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", PUBLIC, "Archive.Example.Org"])
def test_urls_the_viewer_builds_name_only_the_host_asked_by_its_own_names(
    port: int, replayed_archive: Archive, host: str
) -> None:
    original = urlsplit(next(iter(replayed_archive.list_articles())).url).hostname
    for path in memento_paths(replayed_archive):
        answer = ask(port, path, f"{host}:{port}")
        assert answer.status_code in (200, 302), path
        assert linked_hosts(answer) - {original} == {host.lower().strip("[]")}, path


def test_no_page_can_be_framed_elsewhere(port: int, replayed_archive: Archive) -> None:
    viewer_page = ask(port, "/", "localhost")
    assert viewer_page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in viewer_page.headers["content-security-policy"]
    capture = ask(port, memento_paths(replayed_archive)[2], "localhost")
    assert capture.status_code == 200
    assert capture.headers["x-frame-options"] == "SAMEORIGIN"  # the capture page frames it
    assert "frame-ancestors 'self'" in capture.headers["content-security-policy"]


def test_the_listening_address_is_one_of_the_names() -> None:
    loopback = ("localhost", "127.0.0.1", "[::1]")
    assert host_names("0.0.0.0") == (*loopback, "0.0.0.0")
    assert host_names("::", ["a.example"]) == (*loopback, "[::]", "a.example")
    assert host_names("::1") == loopback
    assert host_names("Viewer.LAN")[-1] == "viewer.lan"
