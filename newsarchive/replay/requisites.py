"""Stand-ins for the stylesheets and images the fixture pages reference.

The fixture pages name their outlets' real stylesheets and pictures; the
replica answers each of those URLs with a small original file shipped in
``fixtures/assets`` (a stylesheet whose first line names the URL it stands
for, so each has bytes of its own, and one picture for every image), so
that a crawl with ``requisites = true`` has something real to fetch, store
once by digest and replay.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html

from newsarchive.replay.server import Reply

STYLESHEETS = "//link[contains(concat(' ', normalize-space(@rel), ' '), ' stylesheet ')]/@href"
IMAGES = "//img/@src"


def referenced(body: bytes, page_url: str) -> dict[str, str]:
    """Absolute http(s) URL -> "stylesheet" or "image", of what the page references."""
    tree = lxml_html.fromstring(body)
    found: dict[str, str] = {}
    for kind, xpath in (("stylesheet", STYLESHEETS), ("image", IMAGES)):
        for value in tree.xpath(xpath):
            url = urljoin(page_url, str(value).strip())
            if urlsplit(url).scheme in {"http", "https"}:
                found.setdefault(url, kind)
    return found


@cache
def _asset(name: str) -> bytes:
    return files("newsarchive.replay").joinpath("fixtures", "assets", name).read_bytes()


def stand_in(url: str, kind: str) -> Reply:
    """The replica's answer for a referenced stylesheet or image."""
    if kind == "stylesheet":
        body = f"/* stand-in for {urlsplit(url).path} */\n".encode() + _asset("replica.css")
        return Reply(200, body, [("Content-Type", "text/css; charset=utf-8")])
    return Reply(200, _asset("replica.png"), [("Content-Type", "image/png")])
