"""The private-address guard: links and redirects to internal hosts are refused."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network

import pytest
from loopback import Reply, Site, html, outlet, rss, run

from newsarchive.records import FetchOutcome
from newsarchive.spiders.guard import NOT_GLOBAL, is_public

FAKE_DNS = {
    "intranet.example.test": ["10.1.2.3"],
    "cdn.example.test": ["203.0.113.9", "192.168.7.7"],
    "metadata.example.test": ["169.254.169.254"],
}


def resolver(host: str) -> list[str]:
    if host not in FAKE_DNS:
        raise OSError(f"unknown host {host}")
    return FAKE_DNS[host]


PUBLIC = ("93.184.215.14", "8.8.8.8", "2606:2800:21f:cb07:6820:80da:af6b:8b2c")
NOT_PUBLIC = (
    "100.100.100.200",  # shared address space: a cloud metadata address
    "169.254.169.254",  # link-local metadata
    "192.0.0.8",
    "192.0.0.100",  # the whole IETF protocol assignments block
    "2002:a00:1::1",  # 6to4 carrying 10.0.0.1
    "2002:7f00:1::",  # 6to4 carrying 127.0.0.1
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:a9fe:a9fe",  # IPv4-mapped 169.254.169.254
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo carrying 10.0.0.1
    "fe80::1%eth0",
    "not an address",
)


@pytest.mark.parametrize("address", (*PUBLIC, "2002:5db8:d70e::1", "64:ff9b::5db8:d70e"))
def test_globally_routable_addresses_are_public(address: str) -> None:
    assert is_public(address)  # the last two carry a public IPv4 address


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_internal_addresses_in_any_form_are_refused(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize("block", NOT_GLOBAL, ids=str)
def test_every_special_purpose_block_is_refused_end_to_end(
    block: IPv4Network | IPv6Network,
) -> None:
    for address in (block[0], block[block.num_addresses // 2], block[-1]):
        assert not is_public(str(address)), address


def test_a_dns_answer_that_changes_after_the_check_is_refused_at_connection(site: Site) -> None:
    """DNS rebinding: public when the guard asks, loopback when the download connects."""
    answers = iter(["93.184.215.14", "127.0.0.1"])

    def rebinding(host: str) -> list[str]:
        if host != "rebind.example.test":
            raise OSError(f"unknown host {host}")
        return [next(answers, "127.0.0.1")]

    port = site.origin.rsplit(":", 1)[1]
    site.page("/a/1.html", html("Internal page"))
    feed = rss(site, [f"http://rebind.example.test:{port}/a/1.html"])
    records, _ = run(
        [outlet(site, "feed", feed, allowed_domains=["127.0.0.1", "example.test"])],
        resolver=rebinding,
    )
    (record,) = records
    assert record.outcome is FetchOutcome.REFUSED, record
    assert "non-public address 127.0.0.1" in (record.error or "")
    assert "/a/1.html" not in site.paths()  # no byte of it was requested


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
