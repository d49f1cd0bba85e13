"""End to end against the offline replica of the seed outlets."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from newsarchive.records import Fetch, FetchOutcome
from newsarchive.spiders.outlets import load_outlets, replay_outlets_path
from newsarchive.spiders.replay import (
    REPUBLISHED_OUTLET,
    UPDATE_SENTENCE,
    UPDATED_OUTLET,
    ReplaySite,
    default_fixtures_dir,
)
from newsarchive.spiders.runner import CrawlOptions, crawl

UA = "newsarchive-replay-test/1.0 (+https://example.org/contact)"
LIMIT = 1024 * 1024

TRAP_OUTCOMES = {
    "trap-loop-a": FetchOutcome.REDIRECT_LOOP,
    "trap-report": FetchOutcome.NOT_HTML,
    "trap-oversized": FetchOutcome.TOO_LARGE,
    "trap-missing": FetchOutcome.HTTP_ERROR,
    "trap-disallowed": FetchOutcome.REFUSED,
}


def crawl_site(site: ReplaySite, mode: str = "inprocess") -> tuple[list[Fetch], dict]:
    outlets = load_outlets(replay_outlets_path(), replay_origin=site.origin)
    records: list[Fetch] = []
    options = CrawlOptions(user_agent=UA, max_response_size=LIMIT, download_timeout=10, mode=mode)
    stats = asyncio.run(crawl(outlets, options=options, on_fetch=records.append))
    return records, stats


def check_revision_1(site: ReplaySite, records: list[Fetch]) -> None:
    by_url = {r.url: r for r in records}
    assert len(by_url) == len(records), "an article was fetched twice in one run"
    for page in site.articles():
        fetch = by_url[site.url(page.path)]
        assert fetch.outcome is FetchOutcome.FETCHED, (page.path, fetch.error)
        assert fetch.capture is not None
        assert fetch.capture.url == site.url(page.path)
        assert site.origin.encode() in fetch.capture.body  # live links rewritten
        assert site.live_url(fetch.url) == page.live_url
    for outlet in site.pages:
        for name, path in site.trap_paths(outlet).items():
            if name in TRAP_OUTCOMES:
                assert by_url[site.url(path)].outcome is TRAP_OUTCOMES[name], (outlet, name)
    paths = [path for path, _ in site.requests]
    assert not any("utm_" in path for path in paths)
    assert not any("trap-disallowed" in path for path in paths)
    assert {headers["User-Agent"] for _, headers in site.requests} == {UA}


def test_every_fixture_article_twice_in_one_process() -> None:
    with ReplaySite(default_fixtures_dir(), oversize_bytes=2 * LIMIT) as site:
        first, stats = crawl_site(site)
        check_revision_1(site, first)
        # the first article of each outlet answered 503 once and was retried
        for outlet, pages in site.pages.items():
            hits = [p for p, _ in site.requests if p == pages[0].path]
            assert len(hits) == 2, outlet
        # the listing's endless pagination ended within the outlet's budget
        listing_pages = [p for p, _ in site.requests if p.startswith("/kcnawatch/section/")]
        assert 10 < len(listing_pages) < 30  # max_pages = 30 counts articles too
        assert stats["kcnawatch"].over_budget >= 1
        assert stats["kcnawatch"].finish_reason == "finished"
        second, _ = crawl_site(site)
        check_revision_1(site, second)


def test_replay_in_subprocess_mode() -> None:
    with ReplaySite(default_fixtures_dir(), oversize_bytes=2 * LIMIT) as site:
        records, stats = crawl_site(site, mode="subprocess")
        check_revision_1(site, records)
        fetched = sum(s.fetched for s in stats.values())
        assert fetched == len(list(site.articles()))


def test_revision_2_changes_one_article_and_republishes_another() -> None:
    with ReplaySite(default_fixtures_dir(), revision=2, oversize_bytes=2 * LIMIT) as site:
        records, _ = crawl_site(site)
    fetched = {r.url: r for r in records if r.outcome is FetchOutcome.FETCHED}
    updated = site.pages[UPDATED_OUTLET][0]
    assert UPDATE_SENTENCE.encode() in fetched[site.url(updated.path)].capture.body  # type: ignore[union-attr]
    copies = site.pages[REPUBLISHED_OUTLET]
    assert len(copies) == 2
    assert all(site.url(page.path) in fetched for page in copies)
    assert Counter(r.outlet for r in fetched.values())[REPUBLISHED_OUTLET] == 2


def test_conditional_requests_get_304() -> None:
    with ReplaySite(default_fixtures_dir(), oversize_bytes=2 * LIMIT) as site:
        first, _ = crawl_site(site)
        known: dict[str, dict] = {}
        from newsarchive.records import Validators

        for fetch in first:
            if fetch.capture is not None:
                known.setdefault(fetch.outlet, {})[fetch.url] = Validators(
                    etag=fetch.capture.header("ETag"),
                    last_modified=fetch.capture.header("Last-Modified"),
                )
        outlets = load_outlets(replay_outlets_path(), replay_origin=site.origin)
        again: list[Fetch] = []
        options = CrawlOptions(user_agent=UA, max_response_size=LIMIT, download_timeout=10)
        asyncio.run(crawl(outlets, options=options, on_fetch=again.append, known=known))
    outcomes = {r.url: r.outcome for r in again}
    for page in site.articles():
        assert outcomes[site.url(page.path)] is FetchOutcome.NOT_MODIFIED


@pytest.mark.parametrize("revision", [0, 3])
def test_unknown_revision_is_refused(revision: int) -> None:
    from newsarchive.errors import InputError

    with pytest.raises(InputError, match="revision"):
        ReplaySite(default_fixtures_dir(), revision=revision)
