"""Which document an outlet is crawled by, and the article pattern suggested for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsarchive.records import Discovery
from newsarchive.spiders.discovery import Document, DocumentType, SiteFindings
from newsarchive.spiders.outletfile import outlet_name, render_table, unique_name
from newsarchive.spiders.outlets import parse_outlets
from newsarchive.spiders.suggest import is_article_like, site_label, suggest, suggest_pattern

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_a_pattern_is_the_shared_beginning_up_to_the_last_date() -> None:
    urls = [f"https://x.org/news/2026-02-{d:02}/world/story-{d}/12{d}" for d in range(1, 7)]
    assert suggest_pattern(urls) == (
        r"^https?://[^/]+/news/\d{4}-\d{2}-\d{2}/",
        "all 6 article URLs seen begin with this shape",
    )
    months = [f"https://x.org/{2025 + m // 12}/{m % 12 + 1}/slug-{m}/" for m in range(6, 12)]
    found = suggest_pattern(months)  # /2025/7/, /2025/12/: one or two digits
    assert found is not None and found[0] == r"^https?://[^/]+/\d{4}/\d{1,2}/"


def test_dates_under_different_sections_give_an_unanchored_pattern() -> None:
    urls = [f"https://x.org/{s}/2026/02/a-{n}/" for n, s in enumerate(["world", "sport"] * 3)]
    assert suggest_pattern(urls) == (r"/\d{4}/\d{2}/", "all 6 article URLs seen contain this shape")


def test_no_pattern_when_unsure() -> None:
    assert suggest_pattern([f"https://x.org/news/2026/02/a-{n}/" for n in range(4)]) is None
    mixed = [f"https://x.org/{s}/a-{n}/" for n, s in enumerate(["world", "sport", "arts"] * 2)]
    assert suggest_pattern(mixed) is None


def test_article_like_urls_leave_out_navigation_and_other_sites() -> None:
    domains = ["x.org"]
    assert is_article_like("https://www.x.org/news/2026/02/slug/", domains)
    for url in ("https://x.org/", "https://x.org/tag/rain/", "https://y.org/news/a/"):
        assert not is_article_like(url, domains), url


def test_a_recent_feed_wins_over_an_old_news_sitemap() -> None:
    def entries(via: str, age: timedelta) -> tuple[tuple[str, Discovery], ...]:
        return tuple(
            (f"https://x.org/a/{n}/", Discovery(via=via, source_url="s", published=NOW - age))
            for n in range(3)
        )

    news = Document("https://x.org/news.xml", ("a usual location",), DocumentType.NEWS_SITEMAP,
                    entries=entries("news-sitemap", timedelta(days=30)))  # fmt: skip
    feed = Document("https://x.org/feed", ("a usual location",), DocumentType.FEED,
                    entries=entries("feed", timedelta(hours=1)))  # fmt: skip
    chosen, _ = suggest(SiteFindings("https://x.org/", "https://x.org/", (news, feed)), NOW)
    assert chosen is not None and chosen.fields["start_urls"] == ["https://x.org/feed"]


def test_names_are_valid_and_unique() -> None:
    taken: set[str] = set()
    assert outlet_name("Le Monde diplomatique!") == "le-monde-diplomatique"
    assert [unique_name("daily", taken) for _ in range(3)] == ["daily", "daily-2", "daily-3"]
    assert site_label("https://www.bbc.co.uk/news") == "bbc"
    assert site_label("https://koreajoongangdaily.joins.com/") == "koreajoongangdaily.joins"


def test_a_table_with_hostile_comments_still_reads_back() -> None:
    fields = {"name": "x", "kind": "feed", "start_urls": ['https://x.org/f"\\'],
              "allowed_domains": ["x.org"], "article_pattern": r"/it's/\d+"}  # fmt: skip
    text = render_table(fields, {"kind": ("line\nbreak [[outlet]]",)})
    (outlet,) = parse_outlets(text, "t")
    assert outlet.start_urls == ('https://x.org/f"\\',) and outlet.article_pattern == r"/it's/\d+"
