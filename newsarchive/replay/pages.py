"""The fixture pages the replay site serves, shipped with the package.

A case is ``fixtures/<outlet>/<case>.html`` with ``<case>.expected.json`` beside
it: the live URL the page was published at, its title and dates, and what
extraction must read from it.  The replica needs the live URL to place the
page and a date to put in its feeds and listings; the extraction tests run
over the same pairs.
"""

from __future__ import annotations

import json
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit

from lxml import html as lxml_html

from newsarchive.errors import InputError

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
    title: str
    listed: datetime | None
    body: bytes  # the fixture HTML, served as it is
    content_type: str = "text/html; charset=utf-8"
    paragraphs: tuple[str, ...] = ()  # the article text, from the expected extraction

    @property
    def host(self) -> str:
        return urlsplit(self.live_url).hostname or ""

    @property
    def live_path(self) -> str:
        """Path and query of the live URL."""
        live = urlsplit(self.live_url)
        return live.path + (f"?{live.query}" if live.query else "")


def default_pages_dir() -> Path:
    """The pages shipped in the package (``newsarchive/replay/fixtures``)."""
    return Path(str(files("newsarchive.replay").joinpath("fixtures")))


def _listing_date(document: bytes, fallback: str | None) -> datetime | None:
    tree = lxml_html.fromstring(document)
    for xpath in DATE_XPATHS:
        for value in tree.xpath(xpath):
            found = _parse(str(value).strip())
            if found:
                return found
    return _parse(fallback) if fallback else None


def _parse(text: str) -> datetime | None:
    with suppress(ValueError):
        found = datetime.fromisoformat(text)
        return found if found.tzinfo else found.replace(tzinfo=UTC)
    for pattern in DATE_FORMATS:
        with suppress(ValueError):
            found = datetime.strptime(text, pattern)
            return found if found.tzinfo else found.replace(tzinfo=UTC)
    return None


def load_pages(pages_dir: Path | None = None) -> dict[str, list[Page]]:
    """Fixture articles by outlet: the cases whose expected file names that outlet."""
    pages_dir = pages_dir or default_pages_dir()
    if not pages_dir.is_dir():
        raise InputError(f"{pages_dir}: no fixture pages directory")
    outlets: dict[str, list[Page]] = {}
    for expected_path in sorted(pages_dir.glob("*/*.expected.json")):
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        outlet = expected_path.parent.name
        if expected.get("outlet") != outlet:
            continue  # a case that belongs to no outlet the replica stands for
        page_path = expected_path.with_name(expected_path.name.replace(".expected.json", ".html"))
        body = page_path.read_bytes()
        outlets.setdefault(outlet, []).append(
            Page(
                outlet=outlet,
                live_url=expected["url"],
                title=expected["title"],
                listed=_listing_date(body, expected.get("published")),
                body=body,
                content_type=expected.get("http_content_type") or "text/html; charset=utf-8",
                paragraphs=tuple(expected.get("body", ())),
            )
        )
    if not outlets:
        raise InputError(f"{pages_dir}: no fixture pages with an expected.json")
    return outlets
