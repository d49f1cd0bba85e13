"""extract(): refusals, date precedence with discovery evidence, profiles and JSON output."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from newsarchive.errors import ConfigError, ExtractionError, InputError
from newsarchive.extraction import PROFILES, extract, extraction_to_json, get_profile
from newsarchive.records import Discovery

SITEMAP = "https://example.org/sitemap-news.xml"
UNDATED_PAGE = b"""<!DOCTYPE html><html lang="en"><head><title>Harbour ferry resumes</title></head>
<body><nav><a href="/">Home</a> <a href="/local/">Local</a></nav>
<article><h1>Harbour ferry resumes</h1>
<p>The harbour ferry resumed its full timetable on Saturday after three weeks of repairs to the
landing stage, the port authority said in a statement on its website.</p>
<p>Engineers replaced two of the pontoons that were damaged in the January storms and the operator
added an extra evening crossing on weekdays until the end of the summer season.</p>
<p>Commuters had been using a replacement bus that added about forty minutes to the journey.</p>
</article><footer>Contact us</footer></body></html>"""


def _case(all_page_cases, profile: str):
    return next(case for case in all_page_cases if case.expected["profile"] == profile)


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        (b"", InputError, "empty document"),
        (b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj", InputError, "looks like PDF"),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), InputError, "looks like PNG image"),
        (random.Random(20260223).randbytes(8192), InputError, "binary data"),
        (
            b"Minutes of the meeting\n\nItem 1: budget.\nItem 2: any other business.\n",
            InputError,
            "plain text",
        ),
        (
            b"<html><head><title>x</title></head><body><div><span></span></div>",
            ExtractionError,
            "no article text",
        ),
        (
            b"<!DOCTYPE html><html><head><title>Breaking</title><script>var cfg = {a: '",
            ExtractionError,
            "no article text",
        ),
        (b"<div><<<>>></div><p></p><</p>><span>  </span>", ExtractionError, "no article text"),
    ],
    ids=[
        "empty",
        "pdf",
        "png",
        "random-binary",
        "plain-text",
        "empty-html",
        "truncated-html",
        "tag-soup",
    ],
)
def test_bad_input_gives_one_line_error(body: bytes, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message) as caught:
        extract(body, url="https://example.org/a")
    assert "\n" not in str(caught.value)


def test_server_declared_non_html_is_refused() -> None:
    with pytest.raises(InputError, match=r"served as application/pdf"):
        extract(UNDATED_PAGE, headers=(("content-type", "application/pdf"),))


def test_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(
        ConfigError,
        match=r"unknown profile 'nyt' \(known: generic, joongang, kcnawatch, sputnik, vanguard\)",
    ):
        extract(UNDATED_PAGE, profile="nyt")
    assert get_profile("sputnik") is PROFILES["sputnik"]


def test_discovery_date_used_when_page_has_none() -> None:
    found = datetime(2024, 2, 3, 6, 0, tzinfo=UTC)
    discovery = Discovery(via="news-sitemap", source_url=SITEMAP, published=found)
    extraction = extract(UNDATED_PAGE, url="https://example.org/ferry", discovery=discovery)
    assert (extraction.published, extraction.date_source) == (found, "discovery:news-sitemap")
    assert extraction.title == "Harbour ferry resumes"
    assert extraction.text.startswith("The harbour ferry resumed")


def test_page_without_any_date() -> None:
    extraction = extract(UNDATED_PAGE, url="https://example.org/ferry")
    assert (extraction.published, extraction.date_source) == (None, None)
    assert extraction_to_json(extraction)["published"] is None


@pytest.mark.parametrize(
    ("stated", "chosen"),
    [("2026-03-03T11:59:00+00:00", "meta"), ("2026-03-03T12:01:00+00:00", "discovery:feed")],
)
def test_a_page_dated_more_than_a_day_after_its_capture_is_not_dated_so(
    stated: str, chosen: str
) -> None:
    """A day of slack after the capture: the world's offsets and a fast clock, no more."""
    captured = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    listed = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    page = UNDATED_PAGE.replace(
        b"</title>", f'</title><meta name="date" content="{stated}">'.encode()
    )
    extraction = extract(
        page,
        discovery=Discovery(via="feed", source_url=SITEMAP, published=listed),
        captured=captured,
    )
    assert (extraction.date_source or "").startswith(chosen)
    rejected = [c for c in extraction.date_candidates if c.rejected]
    assert len(rejected) == (chosen != "meta")


def test_listing_date_from_discovery_does_not_beat_the_item_date(all_page_cases) -> None:
    case = _case(all_page_cases, "kcnawatch")
    listing = Discovery(
        via="feed",
        source_url="https://kcnawatch.org/feed/",
        published=datetime(2025, 7, 6, 8, 43, tzinfo=UTC),
    )
    extraction = extract(
        case.body, url=case.expected["url"], profile="kcnawatch", discovery=listing
    )
    assert extraction.date_source == "profile:kcna-date-line"
    assert extraction_to_json(extraction)["published"] == case.expected["published"]
    sources = [candidate.source for candidate in extraction.date_candidates]
    assert sources[0] == "profile:kcna-date-line"
    assert "discovery:feed" in sources


def test_page_metadata_beats_discovery(all_page_cases) -> None:
    case = _case(all_page_cases, "sputnik")
    sitemap = Discovery(
        via="sitemap", source_url=SITEMAP, published=datetime(2026, 2, 24, tzinfo=UTC)
    )
    extraction = extract(case.body, url=case.expected["url"], profile="sputnik", discovery=sitemap)
    assert extraction.date_source == "json-ld:datePublished"
    assert extraction.published == datetime(2026, 2, 23, 10, 52, tzinfo=UTC)


def test_json_output_of_an_outlet_page(all_page_cases) -> None:
    case = _case(all_page_cases, "kcnawatch")
    got = extraction_to_json(extract(case.body, url=case.expected["url"], profile="kcnawatch"))
    assert set(got) == {
        "url",
        "title",
        "published",
        "modified",
        "author",
        "language",
        "text",
        "profile",
        "date_source",
        "original_source",
        "original_url",
        "sitename",
        "tags",
    }
    assert got["original_url"].startswith("http://")
    assert got["sitename"] == "KCNA Watch"
    assert got["profile"] == "kcnawatch"


def test_offsets_are_kept_and_tags_read(all_page_cases) -> None:
    case = _case(all_page_cases, "joongang")
    got = extraction_to_json(extract(case.body, url=case.expected["url"], profile="joongang"))
    assert got["published"].endswith("+09:00")
    assert got["modified"] == "2026-02-23T18:41:00+09:00"
    assert got["tags"] == ["Xi Jinping", "China", "North Korea"]


def test_repeated_extraction_is_identical(all_page_cases) -> None:
    """Nothing is remembered between calls: the same capture read twice gives the same record."""
    case = _case(all_page_cases, "sputnik")
    first = extract(case.body, url=case.expected["url"], profile="sputnik")
    again = extract(case.body, url=case.expected["url"], profile="sputnik")
    assert first == again


def test_url_falls_back_to_the_canonical_link(all_page_cases) -> None:
    case = _case(all_page_cases, "vanguard")
    assert extract(case.body, profile="vanguard").url == case.expected["url"]
