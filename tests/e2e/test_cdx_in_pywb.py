"""The viewer's CDX API judged by pywb 2.10's own CDX server over the same captures exported.

The replayed archive is exported with ``newsarchive export``, loaded into a
pywb collection with ``wb-manager`` and served by ``wayback``; each query is
asked of pywb's ``/{collection}/cdx`` and of the viewer's ``/cdx``, and the
lines must agree field by field.  pywb's lines also carry ``filename``,
``offset`` and ``length``, which locate a record in a WARC file: the viewer
has no file to point into and leaves them out.  pywb also lists the page
requisites (stylesheets, images) the export adds; the viewer lists article
captures only, so those lines are set aside, by the URLs the archive files
as requisites.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from pywb_tool import add_to_collection, export, pywb_bin, wayback

from newsarchive.config import Settings
from newsarchive.storage import Archive
from newsarchive.storage.reading.captures import memento_stamp
from newsarchive.web import create_app

FIELDS = ("urlkey", "timestamp", "url", "mime", "status", "digest")


@pytest.fixture(scope="module")
def archive(replayed_home: Path) -> Iterator[Archive]:
    settings = Settings(home=replayed_home)
    with Archive.open(settings.database_url, settings.store_url) as opened:
        yield opened


@pytest.fixture(scope="module")
def pywb_base(replayed_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("cdx-pywb")
    target = folder / "news.warc.gz"
    export(replayed_home, target)
    root = folder / "pywb"
    root.mkdir()
    bin_dir = pywb_bin()
    add_to_collection(bin_dir, root, "news", target)
    with wayback(bin_dir, root) as base:
        yield f"{base}/news/cdx"


def queries(archive: Archive) -> list[dict[str, str]]:
    """Exact, prefix, host, domain, from/to and limit queries over the archive's own URLs."""
    articles = list(archive.list_articles())
    captured = {a.url: archive.captures(a.url) for a in articles}
    revisited = next(url for url, found in captured.items() if len(found) > 2)
    stamps = sorted(memento_stamp(c.fetched_at) for found in captured.values() for c in found)
    parts = urlsplit(revisited)
    folder = revisited.rsplit("/", 2)[0] + "/" if parts.path.count("/") > 1 else revisited
    middle = stamps[len(stamps) // 2]
    return [
        {"url": revisited},
        {"url": articles[0].url},
        {"url": folder, "matchType": "prefix"},
        {"url": f"{parts.scheme}://{parts.netloc}/", "matchType": "host"},
        {"url": parts.netloc, "matchType": "domain"},
        {"url": f"{parts.netloc}/*"},
        {"url": revisited, "from": middle},
        {"url": revisited, "to": middle[:12]},
        {"url": parts.netloc, "matchType": "domain", "from": stamps[0], "to": middle[:8]},
        {"url": parts.netloc, "matchType": "domain", "limit": "3"},
    ]


def pywb_lines(base: str, params: dict[str, str], requisites: set[str]) -> list[dict[str, str]]:
    query = urllib.parse.urlencode({**params, "output": "json"})
    with urllib.request.urlopen(f"{base}?{query}", timeout=30) as answer:
        lines = [json.loads(line) for line in answer.read().decode().splitlines() if line]
    return [line for line in lines if line["url"] not in requisites]


def test_cdx_lines_equal_pywbs_for_the_same_captures(archive: Archive, pywb_base: str) -> None:
    requisites = {r.url for r in archive.requisites()}
    with TestClient(create_app(archive)) as client:
        for params in queries(archive):
            limited = "limit" in params
            theirs = pywb_lines(
                pywb_base, {k: v for k, v in params.items() if k != "limit"}, requisites
            )
            if limited:
                theirs = theirs[: int(params["limit"])]
            answer = client.get("/cdx", params={**params, "output": "json"})
            assert answer.status_code == 200, (params, answer.text)
            ours = [json.loads(line) for line in answer.text.splitlines()]
            assert theirs, params  # every query finds something, so equality says something
            assert [{f: line.get(f) for f in FIELDS} for line in ours] == [
                {f: line.get(f) for f in FIELDS} for line in theirs
            ], params
