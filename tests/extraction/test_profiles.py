"""The named outlet rules on their own, including the inputs they must leave alone."""

from __future__ import annotations

from datetime import datetime

import lxml.html
import pytest

from newsarchive.extraction.page import Page
from newsarchive.extraction.profiles.joongang import joongang_byline
from newsarchive.extraction.profiles.kcnawatch import kcna_date_line, kcna_source_line
from newsarchive.extraction.profiles.sputnik import announce_lead
from newsarchive.extraction.profiles.vanguard import wire_credit

EMPTY = Page(lxml.html.fromstring("<html><body><p>nothing here</p></body></html>"))


def _page(body: str) -> Page:
    return Page(lxml.html.fromstring(f"<html><body>{body}</body></html>"))


KCNA_LINE = (
    "<div class='meta'><div>Date: 11/07/2021 | Source: Voice of Korea (EN) | "
    "<a href='http://vok.rep.kp/x'>Read original version at source</a></div></div>"
)


def test_kcna_date_line_is_day_first() -> None:
    candidate = kcna_date_line(_page(KCNA_LINE))
    assert candidate is not None
    assert (candidate.source, candidate.value) == ("profile:kcna-date-line", datetime(2021, 7, 11))


def test_kcna_source_line_reads_source_and_link() -> None:
    found = kcna_source_line(_page(KCNA_LINE), "")
    assert found is not None
    assert (found.source, found.url) == ("Voice of Korea (EN)", "http://vok.rep.kp/x")


@pytest.mark.parametrize(
    "body",
    [
        "<p>Date: 31/02/2021 | Source: KCNA | Read original version at source</p>",  # no such day
        "<p>Date: 2021-03-23 | Source: KCNA</p>",  # not the aggregator's format
        "<p>Update: 23/03/2021 | Source: KCNA</p>",
    ],
)
def test_kcna_date_line_ignores_what_is_not_one(body: str) -> None:
    assert kcna_date_line(_page(body)) is None


@pytest.mark.parametrize(
    ("text", "credit"),
    [
        ("He said so. (Xinhua/NAN)", "Xinhua/NAN"),
        ("Talks resume on Monday. (NAN)", "NAN"),
        ("It was a meeting of the Workers' Party of Korea (WPK)", None),
        ("The price rose (see chart)", None),
        ("(Xinhua/NAN) said the report, quoted in the middle.\nLast line.", None),
    ],
)
def test_wire_credit_only_for_known_agencies_at_the_end(text: str, credit: str | None) -> None:
    found = wire_credit(EMPTY, text)
    assert (found.source if found else None) == credit


@pytest.mark.parametrize(
    ("line", "author"),
    [
        ("Yonhap", "Yonhap"),
        ("BY LEE SUNG-EUN [lee.sungeun@joongang.co.kr]", "LEE SUNG-EUN"),
        ("BY SARAH KIM, PARK EUN-JEE [kim.sarah@joongang.co.kr]", "SARAH KIM, PARK EUN-JEE"),
        ("The fourth day of the congress ended on Sunday.", None),
        ("Yonhap reported the figures.", None),
    ],
)
def test_joongang_byline(line: str, author: str | None) -> None:
    assert joongang_byline(line) == author


def test_announce_lead_normalises_whitespace() -> None:
    page = _page("<div class='article__announce-text'>  Lead\n   paragraph. </div>")
    assert announce_lead(page) == "Lead paragraph."
    assert announce_lead(EMPTY) is None
