"""The lead set apart under the headline is the article's; teasers of other articles are not."""

from __future__ import annotations

import lxml.html
import pytest

from newsarchive.extraction.leads import standfirst
from newsarchive.extraction.page import Page

LEAD = "The harbour ferry is back on its full timetable after three weeks of repairs."
TEASER = "Tram fares rise by a tenth from January, the transport authority has announced."


def _page(header: str, rest: str = "") -> Page:
    return Page(
        lxml.html.fromstring(
            f"<html><body><div class='story'><header>{header}</header>"
            f"<div class='body'><p>Body text of the story.</p></div></div>{rest}</body></html>"
        )
    )


@pytest.mark.parametrize(
    "markup",
    [
        f"<p class='standfirst'>{LEAD}</p>",
        f"<div class='article-lead'>{LEAD}</div>",
        f"<p class='c-article__summary'>{LEAD}</p>",
        f"<p itemprop='description'>{LEAD}</p>",
        f"<h2 class='dek'>{LEAD}</h2>",
    ],
    ids=["standfirst", "lead", "summary", "itemprop", "dek"],
)
def test_the_lead_under_the_headline_is_found(markup: str) -> None:
    assert standfirst(_page(f"<h1>Harbour ferry resumes</h1>{markup}")) == LEAD


@pytest.mark.parametrize(
    ("header", "rest"),
    [
        ("<h1>Harbour ferry resumes</h1>", f"<aside><p class='summary'>{TEASER}</p></aside>"),
        (f"<h1>Harbour ferry resumes</h1><a href='/trams'><p class='lead'>{TEASER}</p></a>", ""),
        (f"<h1>Harbour ferry resumes</h1><ul><li><p class='intro'>{TEASER}</p></li></ul>", ""),
        (f"<p class='lead'>{TEASER}</p><h1>Harbour ferry resumes</h1>", ""),
        (f"<h1>Ferry</h1><p class='lead'>{TEASER}</p><h1>Trams</h1>", ""),
        ("<h1>Harbour ferry resumes</h1><p class='leaderboard-ad'>Advertisement here</p>", ""),
        (
            "<h1>Harbour ferry resumes</h1>"
            f"<div class='m-author'><p class='m-author__description'>{TEASER}</p></div>",
            "",
        ),
    ],
    ids=[
        *("aside-far-away", "in-a-link", "in-a-list", "above-the-headline", "two-h1"),
        *("ad-slot", "author-bio"),
    ],
)
def test_teasers_and_other_blocks_are_not_the_lead(header: str, rest: str) -> None:
    assert standfirst(_page(header, rest)) is None


def test_the_lead_is_its_visible_text() -> None:
    script = "<script>dataLayer.push({'event': 'view'});</script><style>p {color: red}</style>"
    markup = f"<p class='standfirst'>{script}{LEAD}<noscript>Enable JavaScript</noscript></p>"
    assert standfirst(_page(f"<h1>Harbour ferry resumes</h1>{markup}")) == LEAD


LINKED = "<a href='https://news.example/trams'>Harbour ferry resumes</a>"
TRAMS = "Tram fares to rise in January | Bayside Courier"


@pytest.mark.parametrize(
    ("title", "h1", "found"),
    [
        ("Harbour ferry resumes | Bayside Courier", LINKED, LEAD),  # links, but titles the page
        ("Ferry back on its timetable after harbour repairs", LINKED, LEAD),  # reworded title
        (TRAMS, "Harbour ferry resumes", LEAD),  # an SEO title, and no link
        (TRAMS, "<a href='https://news.example/ferry#top'>Harbour ferry resumes</a>", LEAD),
        (TRAMS, LINKED, None),  # a featured card: it links to another story, the title differs
    ],
    ids=["titled", "reworded", "unlinked", "links-here", "featured-card"],
)
def test_the_lead_belongs_to_the_headline_of_this_page(
    title: str, h1: str, found: str | None
) -> None:
    page = Page(
        lxml.html.fromstring(
            f"<html><head><title>{title}</title></head><body><div class='story'><header>"
            f"<h1>{h1}</h1><p class='standfirst'>{LEAD}</p></header>"
            "<div class='body'><p>Body text of the story.</p></div></div></body></html>"
        ),
        url="https://news.example/ferry/",
    )
    assert standfirst(page) == found
