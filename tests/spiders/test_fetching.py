"""How article fetches end: limits, retries, redirects, types, conditional refetch."""

from __future__ import annotations

import gzip
import itertools
from collections.abc import Mapping, Sequence

from loopback import Reply, Seen, Site, from_table, html, outlet, rss, run

from newsarchive.errors import StorageError
from newsarchive.identity import article_key
from newsarchive.records import Fetch, FetchOutcome, Validators
from newsarchive.spiders.settings import RETRY_TIMES

ATTEMPTS = RETRY_TIMES + 1


def _by_path(site: Site, records: list[Fetch]) -> dict[str, Fetch]:
    return {r.url.removeprefix(site.origin): r for r in records}


def test_size_limit_retries_redirects_and_types(site: Site, mode: str) -> None:
    """One crawl with every way an article fetch can end, checked in both modes."""
    site.page("/a/ok.html", html("Fine"))
    site.page("/a/big.html", html("Big", "x" * 300_000))
    site.route(
        "/a/stream.html", lambda _s: Reply(200, html("S", "z" * 3_000_000).encode(), stream=True)
    )
    bomb = gzip.compress(html("Bomb", "y" * 2_000_000).encode())
    site.route(
        "/a/bomb.html",
        lambda _s: Reply(200, bomb, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]),
    )
    site.page("/a/report.pdf", b"%PDF-1.4 fake", "application/pdf")
    # a PDF past the size limit is refused at its headers, not downloaded to the limit
    site.route(
        "/a/big.pdf",
        lambda _s: Reply(200, b"%PDF" * 1_000_000, [("Content-Type", "application/pdf")], True),
    )
    site.route("/a/gone.html", lambda _s: Reply(410, b"gone"))
    site.route("/a/down.html", lambda _s: Reply(503, b"busy"))
    flaky = itertools.count()
    site.route(
        "/a/flaky.html",
        lambda _s: Reply(503, b"busy") if next(flaky) < 2 else Reply(200, html("Back").encode()),
    )
    site.route("/a/loop-1.html", lambda _s: Reply(302, b"", [("Location", "/a/loop-2.html")]))
    site.route("/a/loop-2.html", lambda _s: Reply(302, b"", [("Location", "/a/loop-1.html")]))
    site.route("/a/moved.html", lambda _s: Reply(301, b"", [("Location", "/a/ok.html?ref=x")]))
    paths = [
        "/a/ok.html",
        "/a/big.html",
        "/a/stream.html",
        "/a/bomb.html",
        "/a/report.pdf",
        "/a/big.pdf",
        "/a/gone.html",
        "/a/down.html",
        "/a/flaky.html",
        "/a/loop-1.html",
    ]
    feed = rss(site, paths)
    records, stats = run([outlet(site, "feed", feed)], mode, max_size=100_000)

    got = {path: r.outcome for path, r in _by_path(site, records).items()}
    assert got == {
        "/a/ok.html": FetchOutcome.FETCHED,
        "/a/big.html": FetchOutcome.TOO_LARGE,
        "/a/stream.html": FetchOutcome.TOO_LARGE,
        "/a/bomb.html": FetchOutcome.TOO_LARGE,
        "/a/report.pdf": FetchOutcome.NOT_HTML,
        "/a/big.pdf": FetchOutcome.NOT_HTML,
        "/a/gone.html": FetchOutcome.HTTP_ERROR,
        "/a/down.html": FetchOutcome.HTTP_ERROR,
        "/a/flaky.html": FetchOutcome.FETCHED,
        "/a/loop-1.html": FetchOutcome.REDIRECT_LOOP,
    }
    records_by_path = _by_path(site, records)
    assert records_by_path["/a/down.html"].status == 503
    assert records_by_path["/a/gone.html"].status == 410
    assert records_by_path["/a/report.pdf"].capture is None
    assert len(site.hits("/a/down.html")) == ATTEMPTS
    assert len(site.hits("/a/flaky.html")) == 3
    assert len(site.hits("/a/gone.html")) == 1
    # each record says how many requests its outcome took, as the server saw them
    assert records_by_path["/a/down.html"].attempts == ATTEMPTS
    assert records_by_path["/a/flaky.html"].attempts == 3
    assert records_by_path["/a/gone.html"].attempts == 1
    assert records_by_path["/a/ok.html"].attempts == 1
    assert stats["testsite"].fetched == 2
    assert sum(stats["testsite"].outcomes.values()) == 10


def test_redirect_gives_final_url_and_canonical_link(site: Site) -> None:
    site.route("/a/moved.html", lambda _s: Reply(301, b"", [("Location", "/a/new.html")]))
    site.page("/a/new.html", html("New home"))
    site.page(
        "/a/amp.html",
        html("Amp", head=f'<link rel="canonical" href="{site.url("/a/main.html?utm_source=x")}">'),
    )
    site.page(
        "/a/syndicated.html",
        html("Copy", head='<link rel="canonical" href="https://other.example/original">'),
    )
    records, _ = run(
        [outlet(site, "feed", rss(site, ["/a/moved.html", "/a/amp.html", "/a/syndicated.html"]))]
    )

    captures = [r.capture for r in records if r.capture is not None]
    assert len(captures) == 3
    by_requested = {c.requested_url.removeprefix(site.origin): c for c in captures}
    assert by_requested["/a/moved.html"].url == site.url("/a/new.html")
    assert by_requested["/a/moved.html"].final_url == site.url("/a/new.html")
    assert by_requested["/a/amp.html"].url == site.url("/a/main.html")
    assert by_requested["/a/syndicated.html"].url == site.url("/a/syndicated.html")


def test_a_page_that_refreshes_elsewhere_is_kept_as_served_and_the_other_fetched(
    site: Site, mode: str
) -> None:
    refresh = '<meta http-equiv="refresh" content="0; url=/a/real.html">'
    stub = html("Moved", "This story has moved to its new address.", head=refresh)
    site.page("/a/stub.html", stub)
    site.page("/a/real.html", html("The real story", " ".join(f"w{i}" for i in range(80))))
    slow = '<meta http-equiv="refresh" content="300; url=/a/later.html">'
    site.page("/a/reloads.html", html("Reloads", "Reloads in five minutes.", head=slow))
    records, stats = run(
        [outlet(site, "feed", rss(site, ["/a/stub.html", "/a/reloads.html"]))], mode
    )

    captures = {r.capture.url: r.capture for r in records if r.capture is not None}
    assert captures[site.url("/a/stub.html")].body == stub.encode()  # what the server sent
    assert captures[site.url("/a/stub.html")].final_url == site.url("/a/stub.html")
    real = captures[site.url("/a/real.html")]  # the page it sent the reader to, a capture too
    assert real.discovery is not None and real.discovery.via == "meta-refresh"
    assert real.discovery.source_url == site.url("/a/stub.html")
    assert "/a/later.html" not in site.paths()  # a five-minute reload is no redirect
    assert stats["testsite"].discovered == 3


def test_conditional_refetch_answers_not_modified(site: Site, mode: str) -> None:
    etag = '"v1"'
    stamp = "Mon, 23 Feb 2026 10:00:00 GMT"

    def conditional(seen: Seen) -> Reply:
        if seen.headers.get("If-None-Match") == etag:
            return Reply(304, b"", [("ETag", etag)])
        return Reply(200, html("Story").encode(), [("Content-Type", "text/html"), ("ETag", etag)])

    site.route("/a/known.html", conditional)
    site.route("/a/new.html", conditional)
    feed = rss(site, ["/a/known.html", "/a/new.html"])
    known = {
        "testsite": {article_key(site.url("/a/known.html")): Validators(etag, last_modified=stamp)}
    }
    records, stats = run([outlet(site, "feed", feed)], mode, known=from_table(known))

    got = {r.url.removeprefix(site.origin): r for r in records}
    assert got["/a/known.html"].outcome is FetchOutcome.NOT_MODIFIED
    assert got["/a/known.html"].status == 304
    assert got["/a/new.html"].outcome is FetchOutcome.FETCHED
    sent = site.hits("/a/known.html")[0].headers
    assert sent["If-None-Match"] == etag
    assert sent["If-Modified-Since"] == stamp
    assert "If-None-Match" not in site.hits("/a/new.html")[0].headers
    assert stats["testsite"].not_modified == 1


def test_the_archive_is_asked_once_a_document_and_a_failed_answer_costs_no_article(
    site: Site, mode: str
) -> None:
    """What was fetched before is asked for the articles a feed lists, never all at once.

    The catalog failing to answer leaves the requests unconditional: the
    articles are still fetched (in the subprocess mode the parent answers).
    """
    site.page("/a/one.html", html("One"))
    site.page("/a/two.html", html("Two"))
    feed = rss(site, ["/a/one.html", "/a/two.html", "/a/one.html", "http://elsewhere.example/a"])
    asked: list[tuple[str, list[str]]] = []

    def failing(outlet_name: str, keys: Sequence[str]) -> Mapping[str, Validators]:
        asked.append((outlet_name, list(keys)))
        raise StorageError("catalog read failed: database is locked")

    records, _ = run([outlet(site, "feed", feed)], mode, known=failing)

    listed = [article_key(site.url(path)) for path in ("/a/one.html", "/a/two.html")]
    assert asked == [("testsite", listed)]
    assert sorted((r.url.removeprefix(site.origin), r.outcome) for r in records) == [
        ("/a/one.html", FetchOutcome.FETCHED),
        ("/a/two.html", FetchOutcome.FETCHED),
    ]
    assert all("If-None-Match" not in hit.headers for hit in site.hits("/a/one.html"))


def test_retry_after_is_waited_for_and_a_long_one_is_left_for_another_run(
    site: Site, mode: str
) -> None:
    busy = itertools.count()
    site.route(
        "/a/busy.html",
        lambda _s: (
            Reply(503, b"busy", [("Retry-After", "2")])
            if next(busy) == 0
            else Reply(200, html("Back soon").encode())
        ),
    )
    site.route("/a/later.html", lambda _s: Reply(429, b"slow down", [("Retry-After", "3600")]))
    records, _ = run([outlet(site, "feed", rss(site, ["/a/busy.html", "/a/later.html"]))], mode)

    got = _by_path(site, records)
    assert got["/a/busy.html"].outcome is FetchOutcome.FETCHED
    first, second = site.hits("/a/busy.html")
    assert second.at - first.at >= 2.0  # not within milliseconds, as Scrapy alone retries
    assert got["/a/later.html"].outcome is FetchOutcome.HTTP_ERROR
    assert got["/a/later.html"].error == "HTTP 429, Retry-After 3600 s"
    assert len(site.hits("/a/later.html")) == 1  # an hour is not waited for in a run


def test_a_body_cut_short_by_a_closed_connection_is_fetched_again(site: Site, mode: str) -> None:
    """A connection lost mid-body is retried in both modes, like a timeout or a refusal."""
    whole = html("Whole at last").encode()
    attempts = itertools.count()

    def cut_once(_request: Seen) -> Reply:
        if next(attempts) > 0:
            return Reply(200, whole)
        declared = [("Content-Length", str(len(whole))), ("Connection", "close")]
        return Reply(200, whole[: len(whole) // 2], [("Content-Type", "text/html"), *declared])

    site.route("/a/cut.html", cut_once)
    records, _ = run([outlet(site, "feed", rss(site, ["/a/cut.html"]))], mode)

    assert [r.outcome for r in records] == [FetchOutcome.FETCHED]
    assert records[0].capture is not None and records[0].capture.body == whole
    assert len(site.hits("/a/cut.html")) == 2
