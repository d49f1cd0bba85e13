"""Feeds and sitemaps written to hurt the reader: external entities and entity expansion."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from newsarchive.spiders.feed import parse_feed
from newsarchive.spiders.sitemapdoc import parse_sitemap

SECRET = "newsarchive-secret-9d1c"


@pytest.fixture
def local_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def test_external_entities_are_never_read(local_file: Path) -> None:
    feed = f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY leak SYSTEM "file://{local_file}">]>
<rss version="2.0"><channel><title>t</title>
<item><title>Story &leak;</title><link>https://example.com/news/1.html?x=&leak;</link></item>
</channel></rss>""".encode()
    sitemap = f"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY leak SYSTEM "file://{local_file}">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://example.com/news/&leak;</loc></url></urlset>""".encode()
    entries = parse_feed(feed, "https://example.com/feed") or []
    parsed = parse_sitemap(sitemap, "https://example.com/sitemap.xml")
    found = repr(entries) + repr(parsed)
    assert SECRET not in found
    assert [link for link, _ in entries] == ["https://example.com/news/1.html?x="]


def test_entity_expansion_bombs_stay_small() -> None:
    """A billion laughs: ten levels of ten references, 10**9 copies if expanded."""
    levels = ['<!ENTITY l0 "ha">'] + [
        f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)
    ]
    bomb = f"""<?xml version="1.0"?>
<!DOCTYPE rss [{"".join(levels)}]>
<rss version="2.0"><channel><title>&l9;</title>
<item><title>&l9;</title><link>https://example.com/news/1.html</link></item>
</channel></rss>""".encode()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    entries = parse_feed(bomb, "https://example.com/feed") or []
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 50 * 1024  # expanded, the title alone would be 2 GB
    assert all(len(repr(discovery)) < 10_000 for _, discovery in entries)
