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
    ],
    ids=["aside-far-away", "in-a-link", "in-a-list", "above-the-headline", "two-h1", "ad-slot"],
)
def test_teasers_and_other_blocks_are_not_the_lead(header: str, rest: str) -> None:
    assert standfirst(_page(header, rest)) is None
