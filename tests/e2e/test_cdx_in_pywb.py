"""The viewer's CDX API judged by pywb 2.10's own CDX server over the same captures exported.

The replayed archive is exported with ``newsarchive export``, loaded into a
pywb collection with ``wb-manager`` and served by ``wayback``; each query is
asked of pywb's ``/{collection}/cdx`` and of the viewer's ``/cdx``, and the
lines must agree field by field.  pywb's lines also carry ``filename``,
``offset`` and ``length``, which locate a record in a WARC file: the viewer
has no file to point into and leaves them out.  Without ``output=json``
both answer CDXJ lines (``urlkey timestamp {json}``), compared the same way.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections import Counter
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
    captured = {a.url: archive.captures(a.url) for a in archive.list_articles()}
    revisited = next(u for u, found in captured.items() if any(c.not_modified for c in found))
    parts = urlsplit(revisited)
    hosts = Counter(urlsplit(url).netloc for url, found in captured.items() for _ in found)
    busiest = hosts.most_common(1)[0][0]
    stamps = sorted(memento_stamp(c.fetched_at) for found in captured.values() for c in found)
    day_two = memento_stamp(captured[revisited][-1].fetched_at)  # the 304 of the next day
    day_one_end = max(stamp for stamp in stamps if stamp < day_two)
    return [
        *({"url": url} for url in captured),
        {"url": revisited.rsplit("/", 2)[0] + "/", "matchType": "prefix"},
        *({"url": f"http://{host}/", "matchType": "host"} for host in hosts),
        {"url": parts.netloc.removeprefix("www."), "matchType": "domain"},
        {"url": f"{busiest}/*"},
        {"url": f"*.{busiest}"},
        {"url": revisited, "from": day_two},
        {"url": revisited, "to": day_one_end},
        {"url": busiest, "matchType": "domain", "from": stamps[0], "to": day_one_end},
        {"url": busiest, "matchType": "host", "limit": str(hosts[busiest] - 1)},
    ]


def pywb_lines(base: str, params: dict[str, str]) -> list[dict[str, str]]:
    """pywb's lines as JSON objects; without ``output=json``, its CDXJ text read into one."""
    query = urllib.parse.urlencode(params)
    with urllib.request.urlopen(f"{base}?{query}", timeout=30) as answer:
        lines = answer.read().decode().splitlines()
    if params.get("output") == "json":
        return [json.loads(line) for line in lines]
    return [_cdxj_object(line) for line in lines]


def _cdxj_object(line: str) -> dict[str, str]:
    key, stamp, fields = line.split(" ", 2)
    return {"urlkey": key, "timestamp": stamp, **json.loads(fields)}


def test_cdx_lines_equal_pywbs_for_the_same_captures(archive: Archive, pywb_base: str) -> None:
    with TestClient(create_app(archive), base_url="http://localhost") as client:
        for params in queries(archive):
            for output in ({"output": "json"}, {}):
                asked = {**params, **output}
                theirs = pywb_lines(pywb_base, asked)
                answer = client.get("/cdx", params=asked)
                assert answer.status_code == 200, (asked, answer.text)
                read = json.loads if output else _cdxj_object
                ours = [read(line) for line in answer.text.splitlines()]
                assert theirs, asked  # every query finds something, so equality says something
                assert [{f: line.get(f) for f in FIELDS} for line in ours] == [
                    {f: line.get(f) for f in FIELDS} for line in theirs
                ], asked
