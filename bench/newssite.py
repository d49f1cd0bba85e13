"""A synthetic news site for the benchmarks: heavy realistic pages, an RSS feed, validators.

Real news pages are mostly furniture: kilobytes of inline CSS and tracking
scripts, mega-menus, teaser grids and footers around a few kilobytes of
article.  Extraction cost is driven by that furniture, so the pages here carry
it in realistic amounts (50-300 KB) around an article built from the seed
texts of ``tests/fixtures/seeds``.  Every choice comes from one seeded
``random.Random``, so two runs serve the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

from newsarchive.replay import documents
from newsarchive.replay.server import HTML, LoopbackServer

SEEDS_DIR = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "seeds"
SECTIONS = ("world", "politics", "business", "science", "sport", "culture", "opinion")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?\"])\s+(?=[A-Z\"])")
_WORD = re.compile(r"[A-Za-z]{4,}")
_SEED_FURNITURE = re.compile(r"^date |\||Log in to|Read original")  # page chrome kept in seeds


def seed_sentences(seeds_dir: Path = SEEDS_DIR) -> list[str]:
    """The distinct sentences of the seed texts (lines of at least eight words)."""
    seen: dict[str, None] = {}
    for path in sorted(seeds_dir.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if len(line.split()) < 8 or _SEED_FURNITURE.search(line):
                continue
            for sentence in _SENTENCE_BREAK.split(line.strip()):
                if len(sentence.split()) >= 5:
                    seen.setdefault(sentence, None)
    return list(seen)


def article_paragraphs(rng: random.Random, sentences: list[str]) -> list[str]:
    """6-20 paragraphs of 2-4 seed sentences, sampled, reworded and with figures changed.

    The seeds hold under a hundred sentences, so one word in ten is swapped
    for another seed word: two articles then share about as many word
    4-shingles as two real articles on one topic, well below the
    near-duplicate threshold.
    """
    vocabulary = sorted({word for s in sentences for word in s.split()})
    count = rng.randint(6, 20)
    wanted = [rng.randint(2, 4) for _ in range(count)]
    pool = rng.sample(sentences, min(len(sentences), sum(wanted)))
    paragraphs = []
    for size in wanted:
        chosen, pool = pool[:size], pool[size:]
        if not chosen:
            chosen = rng.sample(sentences, size)
        words = " ".join(chosen).split()
        text = " ".join(rng.choice(vocabulary) if rng.random() < 0.1 else w for w in words)
        paragraphs.append(re.sub(r"\d", lambda _: str(rng.randint(0, 9)), text))
    return paragraphs


@dataclass(frozen=True)
class Page:
    path: str
    title: str
    published: datetime
    paragraphs: tuple[str, ...]
    body: bytes


def _css(rng: random.Random, rules: int) -> str:
    props = ("margin", "padding", "color", "font-size", "line-height", "border", "display")
    lines = []
    for i in range(rules):
        chosen = rng.sample(props, 3)
        decl = ";".join(f"{p}:{rng.randint(0, 40)}px" for p in chosen)
        lines.append(f".c-{i}-{rng.choice(SECTIONS)} > .item:hover{{{decl}}}")
    return "\n".join(lines)


def _script(rng: random.Random, statements: int) -> str:
    lines = ["window.dataLayer=window.dataLayer||[];"]
    for i in range(statements):
        key = f"k{i}_{rng.randrange(1 << 30):x}"
        lines.append(
            f'dataLayer.push({{"event":"{key}","slot":"div-gpt-ad-{i}","sizes":[[300,250],'
            f'[728,90]],"targeting":{{"section":"{rng.choice(SECTIONS)}","pos":{i}}}}});'
        )
    return "\n".join(lines)


def _links(rng: random.Random, count: int, words: list[str]) -> str:
    items = []
    for _ in range(count):
        label = " ".join(rng.sample(words, 3)).title()
        href = f"/{rng.choice(SECTIONS)}/{'-'.join(label.lower().split())}"
        items.append(f'<li class="menu-item"><a href="{href}">{escape(label)}</a></li>')
    return "".join(items)


def _teasers(rng: random.Random, count: int, sentences: list[str], words: list[str]) -> str:
    cards = []
    for i in range(count):
        headline = " ".join(rng.sample(words, 6)).capitalize()
        cards.append(
            f'<div class="teaser card-{i}"><a href="/{rng.choice(SECTIONS)}/t{i}">'
            f'<img src="/img/{rng.randrange(10**6)}.jpg" alt="" loading="lazy">'
            f"<h3>{escape(headline)}</h3></a><p>{escape(rng.choice(sentences))}</p></div>"
        )
    return "".join(cards)


def render_page(
    rng: random.Random,
    index: int,
    sentences: list[str],
    origin: str,
    sizes: tuple[int, int] = (50_000, 300_000),
) -> Page:
    """One article page of ``sizes`` bytes (50-300 KB); most of it furniture, as on news sites."""
    words = sorted({w.lower() for s in sentences for w in _WORD.findall(s)})
    section = rng.choice(SECTIONS)
    published = datetime(2026, 2, 1, tzinfo=UTC) + timedelta(minutes=37 * index)
    paragraphs = article_paragraphs(rng, sentences)
    title = f"{paragraphs[0].split(',')[0][:90]} ({index})"
    path = f"/{section}/{published:%Y/%m/%d}/story-{index}.html"
    target = rng.randint(*sizes)
    article_html = "".join(f"<p>{escape(p)}</p>\n" for p in paragraphs)
    json_ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": title,
            "datePublished": published.isoformat(),
            "dateModified": (published + timedelta(hours=2)).isoformat(),
            "author": {"@type": "Person", "name": f"Reporter {index % 17}"},
            "mainEntityOfPage": origin + path,
        }
    )
    head = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}"
        f' | Bench Herald</title><link rel=canonical href="{origin}{path}">'
        f'<meta property="og:title" content="{escape(title)}">'
        f'<meta property="article:published_time" content="{published.isoformat()}">'
        f'<meta name="author" content="Reporter {index % 17}">'
        f'<script type="application/ld+json">{json_ld}</script>'
        f"<style>{_css(rng, 150)}</style><script>{_script(rng, 60)}</script></head>"
    )
    menu = f'<header><nav class="mega-menu"><ul>{_links(rng, 250, words)}</ul></nav></header>'
    article = (
        f'<main><article><h1>{escape(title)}</h1><div class="byline">By Reporter {index % 17}'
        f' <time datetime="{published.isoformat()}">{published:%d %B %Y}</time></div>'
        f'<div class="article-body">{article_html}</div></article>'
    )
    related = f'<aside class="related"><h2>Related</h2>{_teasers(rng, 8, sentences, words)}</aside>'
    footer = (
        f'<footer><ul class="sitemap">{_links(rng, 120, words)}</ul>&copy; Bench Herald</footer>'
    )
    fixed = head + menu + article + related + footer
    filler = []
    size = len(fixed)
    while size < target:  # more teaser rows and ad scripts until the page has its weight
        block = (
            f'<section class="more">{_teasers(rng, 6, sentences, words)}</section>'
            f"<script>{_script(rng, 25)}</script>"
        )
        filler.append(block)
        size += len(block)
    html = head + menu + article + "".join(filler) + "</main>" + related + footer
    body = (html + "</body></html>\n").encode("utf-8")
    return Page(path, title, published, tuple(paragraphs), body)


def build_pages(
    count: int, origin: str, seed: int = 20260223, sizes: tuple[int, int] = (50_000, 300_000)
) -> list[Page]:
    rng = random.Random(seed)
    sentences = seed_sentences()
    return [render_page(rng, i, sentences, origin, sizes) for i in range(count)]


def _publish(site: LoopbackServer, pages: list[Page]) -> None:
    """The pages with validators, an RSS feed and a sitemap of them, and an empty robots.txt.

    ``/empty-sitemap.xml`` lists nothing: a crawl of it is a run that finds no news.
    """
    _publish_pages(site, pages)
    entries = [documents.Entry(site.url(p.path), p.title, p.published) for p in pages]
    feed = documents.rss("Bench Herald", site.url("/"), entries)
    site.page("/feed.xml", feed, "application/rss+xml")
    site.page("/sitemap.xml", documents.urlset(entries), "application/xml")
    site.page("/empty-sitemap.xml", documents.urlset([]), "application/xml")
    site.page("/robots.txt", documents.robots([]), "text/plain")


def _publish_pages(site: LoopbackServer, pages: list[Page]) -> None:
    for page in pages:
        etag = '"' + hashlib.sha256(page.body).hexdigest()[:20] + '"'
        modified = format_datetime(page.published + timedelta(hours=2), usegmt=True)
        site.page(page.path, page.body, HTML[1], ("ETag", etag), ("Last-Modified", modified))


def restyle(site: LoopbackServer, pages: list[Page], serial: int) -> None:
    """Serve every page again with its furniture changed and its article not.

    What a recrawl of a real news site mostly meets: ad scripts, teasers or a
    timestamp differ from one fetch to the next, so a page answers 200 with
    new bytes (and a new ``ETag``) while its text is the one archived.
    """
    script = f"<script>window.servedAt={serial};</script></head>".encode()
    _publish_pages(site, [replace(p, body=p.body.replace(b"</head>", script, 1)) for p in pages])


@contextmanager
def serve(
    count: int, sizes: tuple[int, int] = (50_000, 300_000)
) -> Iterator[tuple[str, list[Page], LoopbackServer]]:
    """Serve ``count`` pages plus feed and sitemaps; yields (origin, pages, the running site).

    The site counts its answers by status and the CPU its threads spent.
    """
    with LoopbackServer() as site:
        pages = build_pages(count, site.origin, sizes=sizes)
        _publish(site, pages)
        yield site.origin, pages, site
