"""The fixture pages the replay site serves, read from ``tests/fixtures/pages``.

A case is ``<outlet>/<case>.html`` with ``<case>.expected.json`` beside it
naming the live URL, title and dates; the replica needs the live URL to place
the page and a date to put in its feeds and listings.
"""

from __future__ import annotations

import json
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from lxml import html as lxml_html

from newsarchive.errors import InputError
from newsarchive.spiders.dates import parse_iso

DATE_XPATHS = (
    # where a page shows the day it was listed (KCNA Watch: not the item date)
    "//meta[@property='article:published_time']/@content",
    "//*[contains(concat(' ', @class, ' '), ' date-full ')]/text()",
)
DATE_FORMATS = ("%Y%m%dT%H%M%z", "%B %d, %Y")


@dataclass
class Page:
    """One fixture article as the replica serves it."""

    outlet: str
    live_url: str
    path: str  # on the replica: /<outlet> + live path (+ query)
    title: str
    listed: datetime | None
    body: bytes  # the fixture HTML before URL rewriting
    content_type: str = "text/html; charset=utf-8"
    paragraphs: tuple[str, ...] = ()  # the article text, from the expected extraction


def default_fixtures_dir() -> Path:
    """The repository's ``tests/fixtures/pages`` (the package is installed editable)."""
    return Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pages"


def _listing_date(document: bytes, fallback: str | None) -> datetime | None:
    tree = lxml_html.fromstring(document)
    for xpath in DATE_XPATHS:
        for value in tree.xpath(xpath):
            text = str(value).strip()
            found = parse_iso(text) or _strptime(text)
            if found:
                return found
    return parse_iso(fallback)


def _strptime(text: str) -> datetime | None:
    for pattern in DATE_FORMATS:
        with suppress(ValueError):
            found = datetime.strptime(text, pattern)
            return found if found.tzinfo else found.replace(tzinfo=UTC)
    return None


def load_pages(fixtures_dir: Path) -> dict[str, list[Page]]:
    """Fixture articles by outlet: directories whose cases name that outlet."""
    if not fixtures_dir.is_dir():
        raise InputError(f"{fixtures_dir}: no fixture pages directory")
    outlets: dict[str, list[Page]] = {}
    for expected_path in sorted(fixtures_dir.glob("*/*.expected.json")):
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        outlet = expected_path.parent.name
        if expected.get("outlet") != outlet:
            continue  # e.g. the encodings cases, which belong to no seed outlet
        page_path = expected_path.with_name(expected_path.name.replace(".expected.json", ".html"))
        body = page_path.read_bytes()
        live = urlsplit(expected["url"])
        outlets.setdefault(outlet, []).append(
            Page(
                outlet=outlet,
                live_url=expected["url"],
                path=f"/{outlet}{live.path}" + (f"?{live.query}" if live.query else ""),
                title=expected["title"],
                listed=_listing_date(body, expected.get("published")),
                body=body,
                content_type=expected.get("http_content_type") or "text/html; charset=utf-8",
                paragraphs=tuple(expected.get("body", ())),
            )
        )
    if not outlets:
        raise InputError(f"{fixtures_dir}: no fixture pages with an expected.json")
    return outlets
