"""The offline replica, crawled by the real spiders through the crawl's reroute seam."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace

import pytest
from loopback import from_table

from newsarchive.config import CrawlMode
from newsarchive.errors import InputError
from newsarchive.records import Fetch, FetchOutcome, Validators
from newsarchive.replay import POLITENESS, ReplaySite, replay_outlets
from newsarchive.replay.pages import load_pages
from newsarchive.replay.site import REPUBLISHED_OUTLET, UPDATE_SENTENCE, UPDATED_OUTLET
from newsarchive.spiders.connections import VIA
from newsarchive.spiders.outlets import builtin_outlets_path, load_outlets
from newsarchive.spiders.runner import CrawlOptions, CrawlStats, fetch_outlets

UA = "newsarchive-replay-test/1.0 (+https://example.org/contact)"
LIMIT = 1024 * 1024

TRAP_OUTCOMES = {
    "trap-loop-a": FetchOutcome.REDIRECT_LOOP,
    "trap-report": FetchOutcome.NOT_HTML,
    "trap-oversized": FetchOutcome.TOO_LARGE,
    "trap-missing": FetchOutcome.HTTP_ERROR,
    "trap-disallowed": FetchOutcome.REFUSED,
}
LIVE = load_outlets(builtin_outlets_path())


def crawl_site(
    site: ReplaySite, mode: CrawlMode = CrawlMode.INPROCESS, known: dict | None = None
) -> tuple[list[Fetch], dict[str, CrawlStats]]:
    records: list[Fetch] = []
    options = CrawlOptions(user_agent=UA, max_response_size=LIMIT, download_timeout=10, mode=mode)
    stats = asyncio.run(
        fetch_outlets(
            replay_outlets(site.outlets),
            options=replace(options, reroute=site.reroute),
            on_fetch=records.append,
            known=from_table(known) if known is not None else None,
        )
    )
    return records, stats


def check_day_1(site: ReplaySite, records: list[Fetch]) -> None:
    by_url = {r.url: r for r in records}
    assert len(by_url) == len(records), "an article was fetched twice in one run"
    for page in site.articles():
        fetch = by_url[page.live_url]
        assert fetch.outcome is FetchOutcome.FETCHED, (page.live_url, fetch.error)
        assert fetch.capture is not None
        assert fetch.capture.body == page.body  # served byte for byte, live links and all
        assert fetch.capture.final_url == page.live_url
        assert fetch.capture.header("Via") == VIA
    for outlet in site.pages:
        for name, url in site.trap_urls(outlet).items():
            if name in TRAP_OUTCOMES:
                assert by_url[url].outcome is TRAP_OUTCOMES[name], (outlet, name)
    paths = site.paths()
    assert not any("utm_" in path for path in paths)
    assert not any("trap-disallowed" in path for path in paths)
    assert {request.header("User-Agent") for request in site.requests} == {UA}


def test_replay_outlets_are_the_live_outlets_with_loopback_politeness() -> None:
    replayed = replay_outlets(LIVE)
    for live, replay in zip(LIVE, replayed, strict=True):
        assert replay.model_dump(exclude=set(POLITENESS)) == live.model_dump(
            exclude=set(POLITENESS)
        )
        assert replay.download_delay == 0


def test_every_fixture_article_twice_in_one_process() -> None:
    with ReplaySite(LIVE, oversize_bytes=2 * LIMIT) as site:
        first, stats = crawl_site(site)
        check_day_1(site, first)
        # the first article of each outlet answered 503 once and was retried
        for outlet, pages in site.pages.items():
            assert len(site.requests_for(pages[0].live_url)) == 2, outlet
        # the listing's endless pagination ended within the outlet's budget
        listing = [p for p in site.paths() if p.startswith("/kcnawatch.org/newstream/?")]
        assert 10 < len(listing) < POLITENESS["max_pages"]
        assert stats["kcnawatch"].over_budget >= 1
        assert stats["kcnawatch"].finish_reason == "finished"
        second, _ = crawl_site(site)
        check_day_1(site, second)


def test_replay_in_subprocess_mode() -> None:
    with ReplaySite(LIVE, oversize_bytes=2 * LIMIT) as site:
        records, stats = crawl_site(site, mode=CrawlMode.SUBPROCESS)
        check_day_1(site, records)
        fetched = sum(s.fetched for s in stats.values())
        assert fetched == len(list(site.articles()))


def test_day_2_changes_one_article_and_republishes_another() -> None:
    with ReplaySite(LIVE, day=2, oversize_bytes=2 * LIMIT) as site:
        records, _ = crawl_site(site)
    fetched = {r.url: r for r in records if r.outcome is FetchOutcome.FETCHED}
    updated = site.pages[UPDATED_OUTLET][0]
    assert UPDATE_SENTENCE.encode() in fetched[updated.live_url].capture.body  # type: ignore[union-attr]
    copies = site.pages[REPUBLISHED_OUTLET]
    assert len(copies) == 2
    assert all(page.live_url in fetched for page in copies)
    assert Counter(r.outlet for r in fetched.values())[REPUBLISHED_OUTLET] == 2


def test_conditional_requests_get_304() -> None:
    from newsarchive.identity import article_key

    with ReplaySite(LIVE, oversize_bytes=2 * LIMIT) as site:
        first, _ = crawl_site(site)
        known: dict[str, dict[str, Validators]] = {}
        for fetch in first:
            if fetch.capture is not None:
                known.setdefault(fetch.outlet, {})[article_key(fetch.url)] = Validators(
                    etag=fetch.capture.header("ETag"),
                    last_modified=fetch.capture.header("Last-Modified"),
                )
        again, _ = crawl_site(site, known=known)
    outcomes = {r.url: r.outcome for r in again}
    for page in site.articles():
        assert outcomes[page.live_url] is FetchOutcome.NOT_MODIFIED


@pytest.mark.parametrize("day", [0, 3])
def test_unknown_day_is_refused(day: int) -> None:
    with pytest.raises(InputError, match="replay day"):
        ReplaySite(LIVE, day=day)


def test_an_outlet_without_pages_is_refused_by_name() -> None:
    stranger = LIVE[0].model_copy(update={"name": "elsewhere"})
    with pytest.raises(InputError, match="no pages of outlet 'elsewhere'"):
        replay_outlets([stranger])
    assert set(load_pages()) == {o.name for o in LIVE}
