"""Every fixture page is read as its expected file says (title, date, body, provenance).

The body is compared line for line, with no slack: a lost paragraph, a kept
notice or a date line taken for furniture each changes one line of many,
which a measure of overlap lets through.
"""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from newsarchive.extraction import PROFILES, decode_html, extract, extraction_to_json

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"

# Furniture that real pages carry around the article and that must never reach the text.
BOILERPLATE = (
    "Related Article",
    "Related Stories",
    "More in World",
    "More From",
    "More Articles",
    "Kindly Share This Story",
    "Read original version at source",
    "Published:",
    "Share this story",
    "To write comments",
    "Leave a Reply",
    "Social comment",
    "log in or register",
    "GMT",
    "[YONHAP]",
    "© ",
)


def _captions(html: bytes) -> list[str]:
    """Caption-like prose of the page: figure captions and descriptive image alt texts."""
    tree = lxml.html.fromstring(html)
    texts = tree.xpath(
        "//figcaption//text() | //*[contains(@class, 'caption')]//text() | //img/@alt"
    )
    return [" ".join(str(text).split()) for text in texts if len(str(text).split()) >= 6]


def test_page_is_read_as_expected(page_case) -> None:
    want = page_case.expected
    extraction = extract(
        page_case.body, url=want["url"], headers=page_case.headers, profile=want["profile"]
    )
    got = extraction_to_json(extraction)

    assert got["title"] == want["title"]
    assert got["published"] == want["published"]
    assert got["date_source"] == want["date_source"]
    assert (got["author"], got["language"], got["original_source"]) == (
        want["author"],
        want["language"],
        want["original_source"],
    )
    assert got["url"] == want["url"]
    lines = got["text"].split("\n")
    assert lines == want["body"], "the body, line for line"
    assert want["title"] not in lines, "the headline is not body text"
    assert all(line == line.strip() and "  " not in line for line in lines)
    leaked = [snippet for snippet in BOILERPLATE if snippet in got["text"]]
    leaked += [caption for caption in _captions(page_case.body) if caption in got["text"]]
    assert not leaked


def test_every_outlet_profile_has_a_fixture_page(all_page_cases) -> None:
    covered = {case.expected["profile"] for case in all_page_cases}
    assert set(PROFILES) - {"generic"} <= covered


@pytest.mark.parametrize("name", ["joongang", "sputnik", "vanguard", "kcnawatch"])
def test_outlet_pages_need_their_profile(name: str, all_page_cases, token_f1) -> None:
    """The generic profile gets each outlet's page wrong somewhere: the profile earns its keep."""
    case = next(c for c in all_page_cases if c.expected["profile"] == name)
    want = case.expected
    generic = extraction_to_json(extract(case.body, url=want["url"], profile="generic"))
    exact = token_f1(generic["text"], "\n".join(want["body"])) == 1.0
    same = (generic["published"], generic["original_source"], generic["title"]) == (
        want["published"],
        want["original_source"],
        want["title"],
    )
    assert not (exact and same)


def _as_visible(paragraph: str) -> str:
    """A table row of the body (``| a | b |``) as the page shows it: its cells, space-separated."""
    if not paragraph.startswith("|"):
        return paragraph
    return " ".join(cell.strip() for cell in paragraph.strip("|").split("|") if cell.strip("- "))


def test_page_decodes_with_expected_encoding(page_case) -> None:
    """Encoding cases name the codec the bytes are in; the others are UTF-8 pages."""
    want = page_case.expected
    content_type = dict(page_case.headers).get("Content-Type")
    text, encoding = decode_html(page_case.body, content_type)
    assert encoding == want.get("encoding", "utf-8")
    visible = " ".join(lxml.html.fromstring(text).text_content().split())
    assert want["title"] in visible
    assert all(_as_visible(paragraph) in visible for paragraph in want["body"])


def test_seeded_pages_use_the_seed_text(page_case) -> None:
    """The expected body of a seeded page is the seed's own prose, paragraph by paragraph."""
    seed = page_case.expected.get("seed")
    if seed is None:
        unseeded = ("encodings/", "generic/")
        assert page_case.name.startswith(unseeded), "only encoding and generic cases are unseeded"
        return
    seed_text = " ".join((SEEDS / seed).read_text(encoding="utf-8").split())
    assert all(paragraph in seed_text for paragraph in page_case.expected["body"])
