"""The private-address guard: links, redirects and outlets' own names that point inward."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from ipaddress import ip_network

import pytest
from loopback import Reply, Site, from_table, html, options, outlet, rss, run

from newsarchive.archiving.report import OutletReport
from newsarchive.identity import article_key
from newsarchive.records import Fetch, FetchOutcome, Validators
from newsarchive.spiders.guard import is_public
from newsarchive.spiders.outlets import Outlet
from newsarchive.spiders.runner import fetch_outlets

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


# The blocks that IANA's special-purpose address registries (iana-ipv4-special-registry,
# iana-ipv6-special-registry) mark as not globally reachable, written out here from the
# registries rather than taken from the guard's own list; and the multicast and
# deprecated site-local ranges, from their own registries and RFC 3879.
IANA_NOT_GLOBAL = (
    "0.0.0.0/8", "0.0.0.0/32", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
    "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.0.0/29", "192.0.0.8/32",
    "192.0.0.170/32", "192.0.0.171/32", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
    "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "255.255.255.255/32",
    "224.0.0.0/4",  # IPv4 multicast
    "::1/128", "::/128", "::ffff:0:0/96", "64:ff9b:1::/48", "100::/64", "2001::/23",
    "2001:2::/48", "2001:db8::/32", "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10",
    "ff00::/8",  # IPv6 multicast
    "fec0::/10",  # deprecated site-local
)  # fmt: skip


@pytest.mark.parametrize("block", IANA_NOT_GLOBAL)
def test_every_special_purpose_block_is_refused_end_to_end(block: str) -> None:
    network = ip_network(block)
    for address in (network[0], network[network.num_addresses // 2], network[-1]):
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


def own_domain_outlet(site: Site, **fields: object) -> tuple[str, Outlet]:
    """An outlet on news.example.test, whose feed and article the loopback site serves."""
    port = site.origin.rsplit(":", 1)[1]
    base = f"http://news.example.test:{port}"
    site.page("/a/1.html", html("Intranet story"))
    site.page(
        "/feed.xml",
        f'<?xml version="1.0"?><rss version="2.0"><channel><item><title>One</title>'
        f"<link>{base}/a/1.html</link></item></channel></rss>",
        "application/rss+xml",
    )
    return base, outlet(
        site,
        "feed",
        "/feed.xml",
        start_urls=[f"{base}/feed.xml"],
        allowed_domains=["example.test"],
        **fields,
    )


@pytest.mark.parametrize("address", ["127.0.0.1", "10.20.30.40", "169.254.169.254", "fd00::1"])
def test_an_outlets_own_domain_resolving_inward_is_refused(site: Site, address: str) -> None:
    """A hijacked or expired domain: the outlet's own name now answers with an inside address."""
    base, own = own_domain_outlet(site)
    records, stats = run([own], resolver=lambda host: [address])

    assert records == [] and site.paths() == []  # not one request reached anything
    failure = OutletReport("testsite", crawl=stats["testsite"]).failure() or ""
    assert failure.startswith(f"no discovery document could be read ({base}/feed.xml: ")
    assert (
        f"news.example.test resolves to non-public address {address}"
        " (without private_addresses = true)" in failure
    )


def test_an_intranet_outlet_that_opts_in_is_crawled(site: Site) -> None:
    base, own = own_domain_outlet(site, private_addresses=True)
    records, stats = run([own], resolver=lambda host: ["127.0.0.1"])

    assert [(r.url, r.outcome) for r in records] == [(f"{base}/a/1.html", FetchOutcome.FETCHED)]
    assert stats["testsite"].documents_read == 1 and stats["testsite"].document_error == ""
    assert {"/feed.xml", "/a/1.html"} <= set(site.paths())


def test_a_literal_address_in_allowed_domains_allows_that_address_alone(site: Site) -> None:
    """127.0.0.1 written in allowed_domains is the operator's; a name resolving there is not."""
    port = site.origin.rsplit(":", 1)[1]
    site.page("/a/1.html", html("Literal"))
    site.page("/a/2.html", html("By name"))
    feed = rss(site, ["/a/1.html", f"http://www.example.test:{port}/a/2.html"])
    records, _ = run(
        [outlet(site, "feed", feed, allowed_domains=["127.0.0.1", "example.test"])],
        resolver=lambda host: ["127.0.0.1"],
    )

    got = {r.url: r for r in records}
    assert got[site.url("/a/1.html")].outcome is FetchOutcome.FETCHED
    by_name = got[f"http://www.example.test:{port}/a/2.html"]
    assert by_name.outcome is FetchOutcome.REFUSED
    assert "www.example.test resolves to non-public address 127.0.0.1" in (by_name.error or "")
    assert "/a/2.html" not in site.paths()


def test_a_rerouted_host_is_judged_by_the_stand_in_the_operator_named(site: Site) -> None:
    """The replay's way: a live name, whatever its DNS says, connects to the named stand-in."""
    base, own = own_domain_outlet(site)
    port = site.origin.rsplit(":", 1)[1]
    records: list[Fetch] = []
    asyncio.run(
        fetch_outlets(
            [own],
            options=replace(options(), reroute={"news.example.test": site.origin}),
            on_fetch=records.append,
            resolver=lambda host: ["10.20.30.40"],
        )
    )
    assert [(r.url, r.outcome) for r in records] == [(f"{base}/a/1.html", FetchOutcome.FETCHED)]
    assert base.endswith(port) and "/a/1.html" in site.paths()


@pytest.mark.parametrize(
    ("location", "scheme"),
    [("file:///etc/passwd", "file"), ("ftp://127.0.0.1/pub/x", "ftp"), ("data:,secret", "data")],
)
def test_a_redirect_to_a_scheme_never_fetched_says_so(
    site: Site, mode: str, location: str, scheme: str
) -> None:
    site.route("/a/away.html", lambda _s: Reply(302, b"", [("Location", location)]))
    site.route("/moved.xml", lambda _s: Reply(301, b"", [("Location", location)]))
    records, stats = run(
        [
            outlet(site, "feed", rss(site, ["/a/away.html"])),
            outlet(site, "feed", "/moved.xml", name="moved"),
        ],
        mode,
    )

    (record,) = records
    assert record.outcome is FetchOutcome.REFUSED, record
    assert record.error == f"refused redirect to a {scheme}: URL"
    assert stats["testsite"].outcomes["refused"] == 1
    assert stats["moved"].document_error == (
        f"{site.url('/moved.xml')}: refused redirect to a {scheme}: URL"
    )


def test_a_known_articles_redirect_is_kept_without_the_credentials_it_names(site: Site) -> None:
    """Not followed but archived as what the page became: its Location loses the secret."""
    secret = site.origin.replace("http://", "http://reader:s3cret@")
    site.route("/a/moved.html", lambda _s: Reply(301, b"", [("Location", f"{secret}/b/new.html")]))
    known = {"testsite": {article_key(site.url("/a/moved.html")): Validators('"v1"')}}
    records, _ = run([outlet(site, "feed", rss(site, ["/a/moved.html"]))], known=from_table(known))

    (record,) = records
    assert record.outcome is FetchOutcome.GONE and record.capture is not None
    assert ("Location", site.url("/b/new.html")) in record.capture.response_headers
    assert "s3cret" not in repr(record)
    assert not site.hits("/b/new.html")
