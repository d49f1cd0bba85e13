"""Lists of news sources as operators have them: CSV of homepages, OPML of feeds.

Media Cloud's source collections are CSV files (a header row; here the
columns ``name``, ``url``, ``collection`` and ``tags`` are read and others
ignored), and feed readers exchange OPML, whose ``<outline>`` elements nest
feeds in folders (a folder here is the feeds' collection).  Each entry
becomes a :class:`Source`; an entry that cannot be one is a :class:`Skipped`
naming its row, so one bad line costs that line only.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from newsarchive.errors import InputError
from newsarchive.identity import is_http
from newsarchive.spiders.outletfile import outlet_name
from newsarchive.spiders.xmldoc import parse_xml

COLUMNS = ("name", "url", "collection", "tags")
_TAG_SEPARATORS = re.compile(r"[;|]")
_DOCUMENT_SHAPE = re.compile(
    r"(?:\.(?:xml|rss|atom|rdf)(?:\.gz)?|/(?:feed|rss|atom)(?:\.xml)?/?|/feeds?/.*)$|sitemap",
    re.IGNORECASE,
)
"""A URL shaped like a feed or a sitemap rather than a homepage (``/feed/``, ``.rss``, ...)."""


@dataclass(frozen=True)
class Source:
    """One news source of a list: a homepage to discover from, or a document to crawl."""

    where: str  # "row 3" (CSV, the header is row 1) or "line 12" (OPML)
    name: str  # as the list gives it; may be empty
    url: str
    document: bool  # ``url`` is a feed or sitemap, not a homepage
    homepage: str | None = None  # the site of a document, when the list says it
    collection: str | None = None
    tags: tuple[str, ...] = ()

    @property
    def sitemap(self) -> bool:
        return "sitemap" in self.url.lower()


@dataclass(frozen=True)
class Skipped:
    """An entry of the list that is no source, and why."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason} (skipped)"


def is_document_url(url: str) -> bool:
    """Whether a URL is shaped like a feed or a sitemap (else it is taken for a homepage)."""
    parts = urlsplit(url)
    return bool(_DOCUMENT_SHAPE.search(parts.path)) or "feed=" in parts.query


def read_sources(path: Path) -> tuple[list[Source], list[Skipped]]:
    """The sources of a CSV or OPML file (told apart by their first character)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read it: {exc.strerror}") from None
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return read_opml(data, path.name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path.name}: not UTF-8 text: {exc}") from None
    return read_csv(text, path.name)


def _source(where: str, name: str, url: str, collection: str, tags: str) -> Source | Skipped:
    url = url.strip()
    if not url:
        return Skipped(where, "url: empty")
    if not is_http(url) or not urlsplit(url).hostname:
        return Skipped(where, f"url: not an http(s) URL: {url!r}")
    if collection.strip() and not outlet_name(collection):
        return Skipped(where, f"collection: nothing usable in {collection!r}")
    return Source(
        where=where,
        name=name.strip(),
        url=url,
        document=is_document_url(url),
        collection=outlet_name(collection) or None,
        tags=tuple(t.strip() for t in _TAG_SEPARATORS.split(tags) if t.strip()),
    )


def _keep(found: Source | Skipped, sources: list[Source], skipped: list[Skipped]) -> None:
    if isinstance(found, Skipped):
        skipped.append(found)
    else:
        sources.append(found)


def read_csv(text: str, label: str) -> tuple[list[Source], list[Skipped]]:
    """Sources of a CSV file with a header row naming at least the ``url`` column."""
    rows = csv.reader(io.StringIO(text))
    header = [cell.strip().lower() for cell in next(rows, [])]
    if "url" not in header:
        raise InputError(
            f"{label}: the header row names no 'url' column (columns read: {', '.join(COLUMNS)})"
        )
    position = {column: header.index(column) for column in COLUMNS if column in header}
    sources: list[Source] = []
    skipped: list[Skipped] = []
    try:
        for number, row in enumerate(rows, start=2):
            if not any(cell.strip() for cell in row):
                continue
            cells = {c: row[i] if i < len(row) else "" for c, i in position.items()}
            found = _source(
                f"row {number}",
                cells.get("name", ""),
                cells["url"],
                cells.get("collection", ""),
                cells.get("tags", ""),
            )
            _keep(found, sources, skipped)
    except csv.Error as exc:
        raise InputError(f"{label}: not readable as CSV: {exc}") from None
    return sources, skipped


def read_opml(data: bytes, label: str) -> tuple[list[Source], list[Skipped]]:
    """Sources of an OPML file: feeds (``xmlUrl``), else sites (``htmlUrl``), by folder."""
    root = parse_xml(data)
    if root is None or root.tag != "opml" or root.find("body") is None:
        raise InputError(f"{label}: not an OPML file (no <opml> with a <body>)")
    sources: list[Source] = []
    skipped: list[Skipped] = []
    for outline, folder in _outlines(root.find("body"), ""):
        found = _outline_source(outline, folder)
        if found is not None:
            _keep(found, sources, skipped)
    return sources, skipped


def _outlines(parent: etree._Element, folder: str) -> Iterator[tuple[etree._Element, str]]:
    """Every outline with the folder it is in (the nearest enclosing outline's title)."""
    for outline in parent.iterchildren("outline"):
        yield outline, folder
        title = outline.get("text") or outline.get("title") or ""
        yield from _outlines(outline, title if not outline.get("xmlUrl") else folder)


def _outline_source(outline: etree._Element, folder: str) -> Source | Skipped | None:
    where = f"line {outline.sourceline}"
    feed, site = outline.get("xmlUrl"), outline.get("htmlUrl")
    if not feed and not site:
        if len(outline):
            return None  # a folder
        return Skipped(where, "outline: no xmlUrl or htmlUrl")
    title = outline.get("text") or outline.get("title") or ""
    categories = (outline.get("category") or "").split(",")
    tags = ";".join(c.strip().strip("/").rsplit("/", 1)[-1] for c in categories)
    found = _source(where, title, feed or site or "", folder, tags)
    if isinstance(found, Source) and feed:
        homepage = site if site and is_http(site) else None
        return replace(found, document=True, homepage=homepage)
    return found
