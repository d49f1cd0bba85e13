"""Site names off page titles: only the page's own names, only across a separator."""

from __future__ import annotations

import lxml.html
import pytest

from newsarchive.extraction.page import Page
from newsarchive.extraction.page_metadata import PageMetadata
from newsarchive.extraction.titles import headline

NO_H1 = Page(lxml.html.fromstring("<html><body><p>text</p></body></html>"))


@pytest.mark.parametrize(
    ("title", "names", "want"),
    [
        ("Harbour ferry resumes | KCNA Watch", ["KCNA Watch"], "Harbour ferry resumes"),
        ("Harbour ferry resumes \u2013 Rhine Wire", ["Rhine Wire"], "Harbour ferry resumes"),
        ("Harbour ferry resumes - rhine wire", ["Rhine Wire"], "Harbour ferry resumes"),
        ("Rhine Wire: Harbour ferry resumes", ["Rhine Wire"], "Harbour ferry resumes"),
        (
            "Mill Group Appoints New CEO at Experience",
            ["Experience"],
            "Mill Group Appoints New CEO at Experience",
        ),
        ("Experience Economy Grows Again", ["Experience"], "Experience Economy Grows Again"),
        (
            "Harbour ferry resumes | Rhine Wire News",
            ["Rhine Wire", "Rhine Wire News"],
            "Harbour ferry resumes",
        ),
        ("Harbour ferry resumes | Rhine Wire", [], "Harbour ferry resumes | Rhine Wire"),
    ],
    ids=["pipe", "en-dash", "case", "prefix", "space-suffix", "space-prefix", "longest", "no-name"],
)
def test_site_name_stripping(title: str, names: list[str], want: str) -> None:
    assert headline(title, names, NO_H1) == want


def test_a_leading_site_name_takes_its_tagline_along_when_the_h1_shows_the_headline() -> None:
    page = Page(
        lxml.html.fromstring(
            "<html><body><h1>Lagos ferry fares cut by a third</h1><p>text</p></body></html>"
        )
    )
    title = "Lagos Ledger | Nigeria's popular news platform: Lagos ferry fares cut by a third"
    assert headline(title, ["Lagos Ledger"], page) == "Lagos ferry fares cut by a third"
    assert headline(title, ["Lagos Ledger"], NO_H1) == (
        "Nigeria's popular news platform: Lagos ferry fares cut by a third"
    )


def test_site_names_are_the_pages_own() -> None:
    tree = lxml.html.fromstring(
        """<html><head><meta property="og:site_name" content="Rhine Wire">
        <meta name="application-name" content="RW">
        <script type="application/ld+json">{"@type": "NewsArticle", "headline": "H",
          "publisher": {"@type": "NewsMediaOrganization", "name": "Rhine Wire GmbH"}}</script>
        </head><body></body></html>"""
    )
    assert PageMetadata.read(Page(tree)).site_names() == ("Rhine Wire", "RW", "Rhine Wire GmbH")
