"""The private-address guard: links and redirects to internal hosts are refused."""

from __future__ import annotations

from loopback import Reply, Site, html, outlet, rss, run

from newsarchive.records import FetchOutcome
from newsarchive.spiders.guard import is_public

FAKE_DNS = {
    "intranet.example.test": ["10.1.2.3"],
    "cdn.example.test": ["203.0.113.9", "192.168.7.7"],
    "metadata.example.test": ["169.254.169.254"],
}


def resolver(host: str) -> list[str]:
    if host not in FAKE_DNS:
        raise OSError(f"unknown host {host}")
    return FAKE_DNS[host]


def test_public_and_private_addresses() -> None:
    assert is_public("93.184.215.14")
    assert is_public("2606:2800:21f:cb07:6820:80da:af6b:8b2c")
    for address in (
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "fc00::1",
        "0.0.0.0",
    ):
        assert not is_public(address), address


def test_on_site_hosts_resolving_to_private_addresses_are_refused(site: Site) -> None:
    site.page("/a/ok.html", html("Fine"))
    site.route(
        "/a/bounce.html",
        lambda _s: Reply(302, b"", [("Location", "http://cdn.example.test/a/x.html")]),
    )
    # feed items on the outlet's own (sub)domains whose DNS points inside
    feed = rss(
        site,
        [
            "/a/ok.html",
            "/a/bounce.html",
            "http://intranet.example.test/a/secret.html",
            "http://metadata.example.test/latest/",
        ],
    )
    records, stats = run(
        [outlet(site, "feed", feed, allowed_domains=["127.0.0.1", "example.test"])],
        resolver=resolver,
    )

    got = {r.url: r for r in records}
    assert got[site.url("/a/ok.html")].outcome is FetchOutcome.FETCHED
    for url in (
        "http://intranet.example.test/a/secret.html",
        "http://metadata.example.test/latest/",
        site.url("/a/bounce.html"),
    ):
        assert got[url].outcome is FetchOutcome.REFUSED, url
        assert "non-public address" in (got[url].error or "")
    assert stats["testsite"].outcomes["refused"] == 3
