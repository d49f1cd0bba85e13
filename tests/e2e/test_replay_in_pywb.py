"""Exports judged by pywb 2.10: loaded the standard way, every capture of every article replays.

The archive is filled from the replay site (day 1, then day 2 with an
updated article, a near-duplicate and 304 refetches), exported with the
``newsarchive export`` command, added to a collection with ``wb-manager``
and served by ``wayback``.  Every capture is fetched at its own 14-digit
timestamp: the raw (``id_``) replay must be the archived page byte for byte,
and the rewritten replay must be the page, never the JSON metadata or the
text record, at the capture's own ``Memento-Datetime``.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import urllib.error
import urllib.request
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from pywb_tool import add_to_collection, export, pywb_bin, wayback
from replayed_archive import expected_captures
from warcio.archiveiterator import ArchiveIterator

from newsarchive.archiving.run import archive_outlets
from newsarchive.config import Settings
from newsarchive.replay.server import LoopbackServer, Reply
from newsarchive.spiders.outlets import Outlet
from newsarchive.spiders.settings import CrawlOptions
from newsarchive.storage import Archive
from newsarchive.storage.reading.captures import memento_stamp


@pytest.fixture(scope="module")
def pywb() -> Path:
    """pywb's bin folder, installed from the registry on first use."""
    return pywb_bin()


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:  # an archived 410 replays as one
        return error.code, dict(error.headers), error.read()


def assert_every_capture_replays(base: str, collection: str, home: Path) -> None:
    captures = expected_captures(home)
    assert {c.kind for c in captures} == {"response", "revisit", "gone"}  # 304s, refetches, a 410
    assert any(c.url.endswith("/") for c in captures)  # so are trailing-slash URLs
    for c in captures:
        status, headers, body = fetch(f"{base}/{collection}/{c.stamp}id_/{c.url}")
        # a gone page replays as what was served at its time, not the day before's article
        assert status == (410 if c.kind == "gone" else 200) and body == c.raw, (c.url, c.stamp)
        memento_at = parsedate_to_datetime(headers["Memento-Datetime"])
        assert memento_at.strftime("%Y%m%d%H%M%S") == c.stamp, (c.url, c.stamp)
        if c.kind == "gone":
            continue

        status, headers, body = fetch(f"{base}/{collection}/{c.stamp}mp_/{c.url}")
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        html = body.decode("utf-8")
        assert "<title" in html and "canonical_url" not in html
        assert json.dumps(c.title)[1:12] in html or c.title[:12] in html, (c.url, c.stamp)
        memento_at = parsedate_to_datetime(headers["Memento-Datetime"])
        assert memento_at.strftime("%Y%m%d%H%M%S") == c.stamp

        status, _headers, frame = fetch(f"{base}/{collection}/{c.stamp}/{c.url}")
        assert status == 200 and f'"{c.stamp}"'.encode() in frame  # pywb's frame around it


@pytest.mark.parametrize("name", ["news.warc.gz", "news.wacz"])
def test_export_replays_in_pywb(pywb: Path, replayed_home: Path, tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    export(replayed_home, target)
    root = tmp_path / "pywb"
    root.mkdir()
    add_to_collection(pywb, root, "news", target)
    with wayback(pywb, root) as base:
        assert_every_capture_replays(base, "news", replayed_home)


STORY = (
    "<!doctype html><html><head><title>Gzip story</title></head><body><article>"
    + "<p>The council met on Tuesday and agreed the budget after a long debate.</p>" * 20
    + "</article></body></html>"
).encode()


def test_a_gzip_encoded_page_is_kept_decoded_and_says_so(pywb: Path, tmp_path: Path) -> None:
    """What "as fetched" means: the body after content decoding, its coding kept as evidence."""
    encoded = gzip.compress(STORY, mtime=0)
    with LoopbackServer() as site:
        site.page("/robots.txt", "User-agent: *\n", "text/plain")
        item = f"<item><link>{site.url('/news/story/')}</link></item>"
        feed = f'<rss version="2.0"><channel>{item}</channel></rss>'
        site.page("/feed.xml", feed, "application/rss+xml")
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")]
        site.route("/news/story/", lambda _request: Reply(200, encoded, headers))
        outlet = Outlet.model_validate(
            {"name": "gzipsite", "kind": "feed", "start_urls": [site.url("/feed.xml")],
             "allowed_domains": ["127.0.0.1"], "download_delay": 0}
        )  # fmt: skip
        settings = Settings(home=tmp_path / "archive")
        with Archive.open(settings.database_url, settings.store_url) as archive:
            asyncio.run(archive_outlets([outlet], archive, CrawlOptions.from_settings(settings)))
            (article,) = archive.list_articles()
            assert archive.snapshot(article.url).raw == STORY  # decoded, byte for byte
    target = tmp_path / "gzip.warc.gz"
    export(tmp_path / "archive", target)
    with target.open("rb") as stream:
        responses = [
            (r.http_headers, r.content_stream().read())
            for r in ArchiveIterator(stream)
            if r.rec_type == "response"
        ]
    ((http, payload),) = responses
    assert http.get_header("X-Archive-Orig-Content-Encoding") == "gzip"
    assert http.get_header("X-Archive-Orig-Content-Length") == str(len(encoded))
    assert http.get_header("Content-Encoding") is None
    assert http.get_header("Content-Length") == str(len(STORY))
    assert payload == STORY
    root = tmp_path / "pywb"
    root.mkdir()
    add_to_collection(pywb, root, "news", target)
    with wayback(pywb, root) as base:
        stamp = memento_stamp(article.first_seen)
        _status, _headers, body = fetch(f"{base}/news/{stamp}id_/{article.url}")
        assert body == STORY
        _status, _headers, body = fetch(f"{base}/news/{stamp}mp_/{article.url}")
        assert b"The council met on Tuesday" in body
