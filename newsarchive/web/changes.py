"""Recent changes: the articles updated or gone lately, as a page and as an Atom feed.

What NewsDiffs' front page gives its readers: each update links to the word
diff of its version with the one before, each departure to the capture of
what was served instead.  The feed (RFC 4287) carries the same entries, so a
feed reader follows an archive's changes; its entry ids are the pages they
link to, which never change.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated
from xml.etree import ElementTree

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from newsarchive import __version__
from newsarchive.storage import Change
from newsarchive.web.rendering import capture_path, link, render
from newsarchive.web.targets import archive_of

router = APIRouter()
ATOM = "http://www.w3.org/2005/Atom"
MOST = 200  # changes a page or a feed holds
Days = Annotated[int, Query(ge=1, le=366, description="how many days back")]


@router.get("/changes", response_class=HTMLResponse)
def changes_page(request: Request, days: Days = 1) -> str:
    found = _changes(request, days)
    return render("changes.html", request, changes=found, days=days, target=target, most=MOST)


@router.get("/changes.atom")
def changes_feed(request: Request, days: Days = 7) -> Response:
    found = _changes(request, days)
    base = str(request.base_url).rstrip("/")
    feed = ElementTree.Element("feed", xmlns=ATOM)
    _text(feed, "id", f"{base}/changes.atom?days={days}")
    _text(feed, "title", f"newsarchive: articles updated or gone in the last {days} day(s)")
    newest = found[0].at if found else datetime.now(UTC)
    _text(feed, "updated", newest.isoformat())
    _text(ElementTree.SubElement(feed, "author"), "name", "newsarchive")
    _text(feed, "generator", "newsarchive", version=__version__)
    ElementTree.SubElement(feed, "link", rel="self", href=f"{base}/changes.atom?days={days}")
    ElementTree.SubElement(feed, "link", rel="alternate", href=f"{base}/changes?days={days}")
    for change in found:
        entry = ElementTree.SubElement(feed, "entry")
        page = base + target(change)
        _text(entry, "id", page)
        _text(entry, "title", f"{change.title or change.url}: {describe(change)}")
        _text(entry, "updated", change.at.isoformat())
        ElementTree.SubElement(entry, "link", rel="alternate", href=page)
        _text(entry, "summary", f"{change.outlet}: {change.url} {describe(change)}")
    body = ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type="application/atom+xml")


def target(change: Change) -> str:
    """Where a change is shown: an update's diff, a departure's capture."""
    if change.kind == "updated":
        return link("/diff", url=change.url, a=change.version - 1, b=change.version)
    return capture_path("capture", change.url, change.at)


def describe(change: Change) -> str:
    if change.kind == "updated":
        return f"updated to version {change.version}"
    return f"gone, HTTP {change.status}"


def _changes(request: Request, days: int) -> list[Change]:
    return archive_of(request).changes(datetime.now(UTC) - timedelta(days=days), limit=MOST)


def _text(parent: ElementTree.Element, tag: str, text: str, **attributes: str) -> None:
    ElementTree.SubElement(parent, tag, attributes).text = text
