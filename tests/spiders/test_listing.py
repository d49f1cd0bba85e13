"""Listing discovery: pagination, the endless-page trap, off-site and robots rules."""

from __future__ import annotations

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
