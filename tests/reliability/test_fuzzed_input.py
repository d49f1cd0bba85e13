"""Outside input, fuzzed: the parsers answer or refuse with the project's own errors, only.

Feeds, sitemaps, dates, URLs, pages and outlets files come from people and
servers we do not control.  Whatever Hypothesis makes of them, each parser
returns a value or raises a :class:`~newsarchive.errors.NewsarchiveError`
(which the CLI turns into one line): never a crash of its own.
"""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsarchive.errors import NewsarchiveError
from newsarchive.extraction import decode_html
from newsarchive.identity import article_key, canonical_url
from newsarchive.spiders.dates import parse_iso, parse_rfc822
from newsarchive.spiders.feed import parse_feed
from newsarchive.spiders.outlets import parse_outlets
from newsarchive.spiders.sitemapdoc import parse_sitemap

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

DATE_PIECES = st.sampled_from(
    ["0001", "9999", "2026", "-12", "-31", "-00", "T", "23:59:59", "00:00", "+14:00", "-14:00",
     "Z", "z", ".999999", "Mon, ", "01 Jan ", "Feb ", " GMT", " +1400", " ", "60", "29"]
)  # fmt: skip
URL_PIECES = st.sampled_from(
    ["http://", "https://", "HTTP://", "ftp://", "[", "]", "::1", "[::1", "%", "%zz", "@", ":",
     ":99999", ":80", "/", "?", "&", "=", "#", "utm_source=x", "www.", "example.com", "..",
     " ", "\x00", "é", "xn--", "a" * 70, ".", "localhost"]
)  # fmt: skip
XML_PIECES = st.sampled_from(
    ['<?xml version="1.0"?>', "<rss>", "<channel>", "<item>", "<link>", "</link>", "</item>",
     "<pubDate>", "</pubDate>", "0001-01-01T00:00:00+14:00", "Mon, 01 Jan 0001 00:00:00 +1400",
     '<feed xmlns="http://www.w3.org/2005/Atom">', "<entry>", '<link href="', '"/>',
     "<published>", "</published>", '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
     "<url>", "<loc>", "</loc>", "<lastmod>", "</lastmod>", "<sitemapindex>", "<sitemap>",
     '<!DOCTYPE x [<!ENTITY a "aaaa">]>', "&a;", "<![CDATA[", "]]>", "http://[::1/x", "\x00",
     "\xff", "é", "&amp;", "&#0;", "<"]
)  # fmt: skip
TOML_PIECES = st.sampled_from(
    ["[[outlet]]\n", 'name = "x"\n', 'kind = "feed"\n', 'kind = "listing"\n',
     'start_urls = ["https://example.com/feed"]\n', 'start_urls = ["http://[::1/feed"]\n',
     'allowed_domains = ["example.com"]\n', "download_delay = inf\n", "download_delay = nan\n",
     "max_pages = -1\n", "concurrency = 1e9\n", 'schedule = "* * *"\n', "outlet = 1\n",
     "outlet = [1, 2]\n", 'article_pattern = "("\n', "enabled = 3\n", "[x]\n", "= =\n", "é\n"]
)  # fmt: skip


def joined(pieces: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(pieces | st.text(max_size=8), max_size=30).map("".join)


@FUZZ
@given(joined(DATE_PIECES))
def test_feed_and_sitemap_dates(text: str) -> None:
    for parse in (parse_iso, parse_rfc822):
        value = parse(text)
        assert value is None or value.tzinfo is not None


@FUZZ
@given(joined(URL_PIECES))
@example("http://\x00")  # found by this test: a host that normalising drops entirely
def test_url_identity(text: str) -> None:
    try:
        canonical, key = canonical_url(text), article_key(text)
    except NewsarchiveError:
        return
    assert canonical.startswith(("http://", "https://")) and "#" not in canonical
    assert article_key(canonical) == key  # the rule is stable under itself


@FUZZ
@given(joined(XML_PIECES).map(lambda text: text.encode("utf-8", "surrogatepass")))
def test_feeds_and_sitemaps(body: bytes) -> None:
    entries = parse_feed(body, "https://example.com/feed")
    assert entries is None or all(isinstance(link, str) for link, _ in entries)
    parsed = parse_sitemap(body, "https://example.com/sitemap.xml")
    assert parsed is None or isinstance(parsed[0], list)


@FUZZ
@given(st.binary(max_size=600) | joined(XML_PIECES).map(str.encode), st.sampled_from(
    [None, "text/html", "text/html; charset=utf-8", "text/html; charset=x-nonsense",
     "text/html; charset=euc-kr", "application/pdf", ""]
))  # fmt: skip
def test_page_decoding(body: bytes, content_type: str | None) -> None:
    try:
        text, encoding = decode_html(body, content_type)
    except NewsarchiveError:
        return
    assert isinstance(text, str) and encoding


@FUZZ
@given(joined(TOML_PIECES))
def test_outlets_files(text: str) -> None:
    try:
        outlets = parse_outlets(text, "fuzzed.toml")
    except NewsarchiveError:
        return
    assert all(outlet.download_delay <= 3600 for outlet in outlets)
