"""Listing discovery: pagination, the endless-page trap, off-site and robots rules."""

from __future__ import annotations

import pytest
from loopback import Reply, Seen, Site, html, outlet, run

from newsarchive.records import FetchOutcome


def _listing(site: Site, page: int, articles: list[str], extra: str = "") -> str:
    links = "".join(f'<li><a href="{a}">Story {a}</a></li>' for a in articles)
    return (
        f"<html><body><ul>{links}</ul>{extra}"
        f'<a rel="next" href="/section/?page={page + 1}">Next</a></body></html>'
    )


def test_pagination_followed_off_site_and_robots_respected(site: Site) -> None:
    site.page(
        "/section/",
        _listing(
            site,
            1,
            ["/news/1001/", "/news/1002/?utm_source=home", "/private/news/1003/"],
            '<a href="http://elsewhere.invalid/news/9/">off-site</a><a href="/about/">about</a>',
        ),
    )
    site.page("/section/?page=2", _listing(site, 2, ["/news/1002/", "/news/1004/"]))
    for number in (1001, 1002, 1003, 1004):
        site.page(f"/news/{number}/", html(f"Story {number}"))
    records, stats = run(
        [outlet(site, "listing", "/section/", article_pattern=r"/news/\d+/", max_pages=6)]
    )

    fetched = sorted(r.url for r in records if r.outcome is FetchOutcome.FETCHED)
    assert fetched == [site.url(f"/news/{n}/") for n in (1001, 1002, 1004)]
    refused = [r for r in records if r.outcome is FetchOutcome.REFUSED]
    assert [r.url for r in refused] == [site.url("/private/news/1003/")]
    assert refused[0].error is not None
    assert "robots.txt" in refused[0].error
    paths = site.paths()
    assert "/private/news/1003/" not in paths
    assert "/about/" not in paths
    assert paths.count("/news/1002/") == 1
    # budget 6 = 2 listing pages + 4 articles; page 3 was never requested
    assert "/section/?page=3" not in paths
    assert stats["testsite"].over_budget >= 1


def test_endless_pagination_ends_within_budget(site: Site) -> None:
    def endless(seen: Seen) -> Reply:
        number = int(seen.path.rsplit("=", 1)[-1]) if "=" in seen.path else 1
        body = _listing(site, number, [f"/news/{number}/"])
        return Reply(200, body.encode())

    site.route("/section/", endless)
    records, stats = run(
        [outlet(site, "listing", "/section/", article_pattern=r"/news/\d+/", max_pages=20)]
    )
    requests = [p for p in site.paths() if p != "/robots.txt"]
    assert len(requests) == 20
    assert stats["testsite"].finish_reason == "finished"
    assert len(records) == sum(1 for p in requests if p.startswith("/news/"))


ITEM_LIST = """<html><head><script type="application/ld+json">
{"@context": "https://schema.org", "@graph": [
  {"@type": "WebPage", "name": "Section"},
  {"@type": "ItemList", "itemListElement": [
    {"@type": "ListItem", "position": 1, "url": "/news/2001/"},
    {"@type": "ListItem", "position": 2, "item": {"@id": "{o}/news/2002/", "name": "Two"}},
    {"@type": "ListItem", "position": 3, "item": "/news/2003/"}]}]}
</script><script type="application/ld+json">{ not json at all</script></head>
<body><div id="app"></div></body></html>"""


def test_articles_named_only_in_a_json_ld_item_list(site: Site, mode: str) -> None:
    site.page("/section/", ITEM_LIST.replace("{o}", site.origin))
    for number in (2001, 2002, 2003):
        site.page(f"/news/{number}/", html(f"Story {number}"))
    records, stats = run(
        [outlet(site, "listing", "/section/", article_pattern=r"/news/\d+/")], mode
    )

    fetched = sorted(r.url for r in records if r.outcome is FetchOutcome.FETCHED)
    assert fetched == [site.url(f"/news/{n}/") for n in (2001, 2002, 2003)]
    assert stats["testsite"].documents_failed == 0


def test_a_load_more_link_is_followed_like_a_next_page(site: Site) -> None:
    site.page(
        "/section/",
        '<html><body><a href="/news/3001/">One</a>'
        '<a class="button" href="/section/more?offset=20">Load more stories</a></body></html>',
    )
    site.page(
        "/section/more?offset=20",
        '<html><head><link rel="next" href="/section/older?from=3002"></head><body>'
        '<a href="/news/3002/">Two</a></body></html>',
    )
    site.page("/section/older?from=3002", '<html><body><a href="/news/3003/">3</a></body></html>')
    for number in (3001, 3002, 3003):
        site.page(f"/news/{number}/", html(f"Story {number}"))
    records, _ = run([outlet(site, "listing", "/section/", article_pattern=r"/news/\d+/")])

    fetched = sorted(r.url for r in records if r.outcome is FetchOutcome.FETCHED)
    assert fetched == [site.url(f"/news/{n}/") for n in (3001, 3002, 3003)]


@pytest.mark.timeout(60)
def test_a_pathological_pattern_does_not_wedge_the_crawl(site: Site) -> None:
    """``(a+)+$`` against a long link that almost matches backtracks for ever in Python's
    ``re`` (which Scrapy's link extractor uses); the crawl still ends, and quickly.

    The crawl runs in a child process so that a wedged one fails this test on its timeout:
    in this process, the timeout's exception would land in Scrapy's callback instead.
    """
    trap = "/news/" + "a" * 5_000 + "!"
    site.page(
        "/section/", f'<html><body><a href="/news/aaa">One</a><a href="{trap}">Trap</a></body>'
    )
    site.page("/news/aaa", html("One"))
    records, stats = run(
        [outlet(site, "listing", "/section/", article_pattern=r"/news/(a+)+$")], "subprocess"
    )

    assert [r.url for r in records if r.outcome is FetchOutcome.FETCHED] == [site.url("/news/aaa")]
    assert trap not in site.paths()
    assert stats["testsite"].finish_reason == "finished"
