"""Which tables are data (kept as rows) and which are layout (flattened before trafilatura)."""

from __future__ import annotations

import lxml.html
import pytest

from newsarchive.extraction.page import Page
from newsarchive.extraction.tables import flatten_layout_tables, is_layout_table

STANDINGS = (
    "<table><tr><th>Team</th><th>Played</th><th>Points</th></tr>"
    "<tr><td>Harbour Rovers</td><td>10</td><td>25</td></tr>"
    "<tr><td>Mill Street United</td><td>10</td><td>21</td></tr></table>"
)
STORY = "<p>" + "The council met on Monday night and voted on the plan. " * 6 + "</p>"


def _table(html: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(f"<html><body>{html}</body></html>").find(".//table")


@pytest.mark.parametrize(
    ("html", "layout"),
    [
        (STANDINGS, False),
        (
            "<table><tr><td>Goals</td><td><p>12</p></td></tr><tr><td>Shots</td><td>30</td></tr></table>",
            False,
        ),
        (f"<table><tr><td><a href='/'>News</a></td><td>{STORY}</td></tr></table>", True),
        (
            f"<table><tr><td>Menu</td><td>x</td></tr><tr><td>Story</td><td>{STORY}</td></tr></table>",
            True,
        ),
        (
            f"<table><tr><td>{STANDINGS}</td><td>x</td></tr><tr><td>y</td><td>z</td></tr></table>",
            True,
        ),
        (
            "<table><tr><td><ul><li>a</li></ul></td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>",
            True,
        ),
        (
            "<table role='presentation'><tr><td>a</td><td>b</td></tr>"
            "<tr><td>c</td><td>d</td></tr></table>",
            True,
        ),
        ("<table><tr><td>one</td></tr><tr><td>column</td></tr></table>", True),
    ],
    ids=[
        "standings",
        "short-paragraph-cells",
        "one-row-grid",
        "story-cell",
        "nested",
        "list",
        "role",
        "one-column",
    ],
)
def test_layout_or_data(html: str, layout: bool) -> None:
    assert is_layout_table(_table(html)) is layout


def test_flattening_retags_only_the_layout_table_and_keeps_the_data_table_inside() -> None:
    page = lxml.html.fromstring(
        f"<html><body><table id='grid'><tr><td>Menu</td><td>{STORY}{STANDINGS}</td></tr>"
        "<tr><td>a</td><td>b</td></tr></table></body></html>"
    )
    flatten_layout_tables(Page(page))
    assert page.find(".//*[@id='grid']").tag == "div"
    assert [len(t.findall(".//tr")) for t in page.iter("table")] == [3]
    assert not page.xpath("//div[@id='grid']/tr | //div[@id='grid']//td[not(ancestor::table)]")
