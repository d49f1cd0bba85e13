"""The parsed page: its landmarks are its own, walked for once, and let go with it."""

from __future__ import annotations

import time
import weakref
from concurrent.futures import ThreadPoolExecutor

import lxml.html
import pytest

from newsarchive.errors import ExtractionError
from newsarchive.extraction import extract
from newsarchive.extraction import page as page_module
from newsarchive.extraction.landmarks import Landmarks
from newsarchive.extraction.page import Page
from newsarchive.extraction.page_metadata import PageMetadata
from newsarchive.extraction.titles import single_h1
from newsarchive.records import Extraction

STORY = (
    "<p>The service resumed its full timetable on Saturday after three weeks of repairs, the"
    " operator said in a statement on its website, thanking passengers for their patience.</p>"
    "<p>Engineers replaced the parts that were damaged in the January storms and the operator"
    " added an extra evening run on weekdays until the end of the summer season.</p>"
)


def _html(site: str, headline: str, day: str, author: str) -> bytes:
    """A page whose title, site name, date and byline come from its landmarks."""
    return (
        f"<!DOCTYPE html><html lang='en'><head><title>{site} | Local news: {headline}</title>"
        f"<meta property='og:site_name' content='{site}'></head><body><article>"
        f"<div class='head'><h1>{headline}</h1><p class='byline'>By {author}</p></div>"
        f"<time datetime='{day}'>{day}</time>{STORY}"
        "<table><tr><td>Menu</td><td>x</td></tr><tr><td>Story</td><td>y</td></tr></table>"
        "</article></body></html>"
    ).encode()


FERRY = _html("Harbour Wire", "Harbour ferry resumes", "2026-02-23", "Jane Doe")
TRAM = _html("Tram Times", "Tram line reopens", "2025-11-05", "John Roe")


def _own(extraction: Extraction, site: str, headline: str, author: str) -> bool:
    return (extraction.sitename, extraction.title, extraction.author) == (site, headline, author)


def test_the_sample_pages_are_read_from_their_landmarks() -> None:
    ferry, tram = extract(FERRY), extract(TRAM)
    assert _own(ferry, "Harbour Wire", "Harbour ferry resumes", "Jane Doe")
    assert _own(tram, "Tram Times", "Tram line reopens", "John Roe")
    assert (ferry.date_source, tram.date_source) == ("time:datetime", "time:datetime")


def test_pages_read_alternately_keep_their_own_landmarks() -> None:
    ferry, tram = Page(lxml.html.fromstring(FERRY)), Page(lxml.html.fromstring(TRAM))
    for _ in range(3):
        for current, site, headline in (
            (ferry, "Harbour Wire", "Harbour ferry resumes"),
            (tram, "Tram Times", "Tram line reopens"),
        ):
            h1 = single_h1(current)
            assert h1 is not None and h1.text == headline
            assert PageMetadata.read(current).site_names() == (site,)


def test_pages_extracted_in_two_threads_keep_their_own_landmarks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each walk pauses (letting go of the GIL), so the other thread's page is read meanwhile."""
    alone = {FERRY: extract(FERRY), TRAM: extract(TRAM)}
    walk = page_module.walk

    def paused(tree: lxml.html.HtmlElement) -> Landmarks:
        time.sleep(0.001)
        return walk(tree)

    monkeypatch.setattr(page_module, "walk", paused)
    bodies = [FERRY, TRAM] * 20
    with ThreadPoolExecutor(max_workers=2) as pool:
        together = list(pool.map(extract, bodies))
    assert [alone[body] for body in bodies] == together


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[Landmarks]:
    """Every landmarks walk made from here on."""
    made: list[Landmarks] = []
    walk = page_module.walk

    def counted(tree: lxml.html.HtmlElement) -> Landmarks:
        made.append(walk(tree))
        return made[-1]

    monkeypatch.setattr(page_module, "walk", counted)
    return made


def test_a_pages_landmarks_are_walked_for_once(walks: list[Landmarks]) -> None:
    """Metadata, tables, title, byline and date all read the landmarks: one walk between them."""
    extraction = extract(FERRY)
    assert _own(extraction, "Harbour Wire", "Harbour ferry resumes", "Jane Doe")
    assert extraction.date_source == "time:datetime"
    assert len(walks) == 1
    extract(TRAM)
    assert len(walks) == 2


def test_the_page_is_let_go_when_its_extraction_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing keeps the page, its tree or its landmarks once ``extract`` returns or raises."""
    made: list[weakref.ref[Page]] = []

    def watched(tree: lxml.html.HtmlElement, url: str | None = None) -> Page:
        made.append(weakref.ref(created := Page(tree, url)))
        return created

    monkeypatch.setattr("newsarchive.extraction.pipeline.Page", watched)
    extract(FERRY)
    with pytest.raises(ExtractionError):
        extract(b"<html><head><title>Empty</title></head><body><div></div></body></html>")
    assert len(made) == 2
    assert [ref() for ref in made] == [None, None]
