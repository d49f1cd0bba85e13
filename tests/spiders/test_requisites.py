"""Page requisites: which stylesheets and images are fetched with an article, and which not."""

from __future__ import annotations

from loopback import Site, html, outlet, rss, run
from parsel import Selector

from newsarchive.records import Fetch
from newsarchive.spiders.requisites import REQUISITE_VIA, is_requisite, requisite_urls

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HEAD = '<link rel="stylesheet" href="/static/site.css"><link rel="preload" href="/x.js">'


def test_requisite_urls_are_stylesheets_and_images_on_the_outlets_hosts() -> None:
    body = (
        '<html><head><link rel="Stylesheet alternate" href="css/print.css">'
        '<link rel="icon" href="/favicon.ico"><script src="/app.js"></script></head><body>'
        '<img src="/img/a.png"><img src="https://cdn.news.example/b.jpg">'
        '<img src="https://tracker.example/pixel.gif"><img src="data:image/png;base64,AAAA">'
        '<img src="/img/a.png"><img src=""></body></html>'
    )
    page, url = Selector(text=body), "https://www.news.example/2026/story/"
    assert requisite_urls(page, url, ("news.example",)) == [
        "https://www.news.example/2026/story/css/print.css",
        "https://www.news.example/img/a.png",
        "https://cdn.news.example/b.jpg",  # a subdomain of an allowed domain
    ]
    assert "https://tracker.example/pixel.gif" in requisite_urls(
        page, url, ("news.example", "tracker.example")
    )  # only when listed in requisite_hosts


def test_a_requisite_with_credentials_is_asked_for_by_its_public_url() -> None:
    body = '<img src="https://user:pass@www.news.example/img/a.png"><img src="/img/a.png">'
    page, url = Selector(text=body), "https://www.news.example/2026/story/"
    assert requisite_urls(page, url, ("news.example",)) == ["https://www.news.example/img/a.png"]


def requisites_of(records: list[Fetch]) -> dict[str, Fetch]:
    return {r.url: r for r in records if is_requisite(r)}


def test_requisites_are_fetched_once_within_budget_and_size(site: Site, mode: str) -> None:
    site.page("/static/site.css", "body { color: black }", "text/css")
    site.page("/img/a.png", PNG, "image/png")
    site.page("/img/huge.png", PNG + b"\x00" * 300_000, "image/png")
    for name in ("one", "two"):
        images = '<img src="/img/a.png"><img src="/img/huge.png">'
        site.page(f"/a/{name}.html", html(name.title(), images, head=HEAD))
    feed = rss(site, ["/a/one.html", "/a/two.html"])

    records, _stats = run([outlet(site, "feed", feed, requisites=True)], mode, max_size=200_000)
    kept = requisites_of(records)
    assert set(kept) == {site.url("/static/site.css"), site.url("/img/a.png")}
    assert len(site.hits("/static/site.css")) == 1  # shared by both pages, fetched once
    css = kept[site.url("/static/site.css")]
    assert css.capture is not None and css.capture.body == b"body { color: black }"
    assert css.discovery is not None and css.discovery.via == REQUISITE_VIA
    assert css.discovery.source_url in {site.url("/a/one.html"), site.url("/a/two.html")}
    assert ("Content-Type", "text/css") in css.capture.response_headers
    assert not site.hits("/x.js")  # preloads and scripts are no requisites
    articles = [r for r in records if not is_requisite(r)]
    assert len(articles) == 2  # requisites never count as articles

    site.requests.clear()
    budget = 3  # the feed and two articles: nothing is left for requisites
    records, _stats = run([outlet(site, "feed", feed, requisites=True, max_pages=budget)], mode)
    assert not requisites_of(records) and len(site.requests) <= budget + 1  # + robots.txt


def test_requisites_stay_off_unless_the_outlet_asks(site: Site) -> None:
    site.page("/static/site.css", "body { color: black }", "text/css")
    site.page("/a/one.html", html("One", head=HEAD))
    records, _stats = run([outlet(site, "feed", rss(site, ["/a/one.html"]))])
    assert not requisites_of(records) and not site.hits("/static/site.css")
