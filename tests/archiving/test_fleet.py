"""The fleet on a loopback site: a poll that finds nothing is one conditional request per
discovery document, only new articles are fetched, every outcome is kept, claims are disjoint."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from loopback import Site, html, options, outlet, rss

from newsarchive.archiving.fleet import due_revisits, poll, poll_due, roster
from newsarchive.config import Settings
from newsarchive.records import OutletStatus
from newsarchive.spiders.options import CrawlOptions
from newsarchive.spiders.outlets import Outlet
from newsarchive.storage import Archive, Holder, KnownArticle, RosterEntry

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.fixture
def site() -> Iterator[Site]:
    with Site() as served:
        yield served


def polls() -> CrawlOptions:
    """The options of a fleet poll: what ``poll_due`` hands on."""
    return replace(options(), polling=True)


def publish(site: Site, count: int) -> Outlet:
    paths = [f"/a/{n}" for n in range(count)]
    for path in paths:
        site.page(path, html(f"Article {path}", f"The text of {path}, long enough to keep. " * 5))
    rss(site, paths, "/feed.xml", ("ETag", f'"v{count}"'))
    return outlet(site, "feed", "/feed.xml")


def test_a_poll_that_finds_nothing_new_is_one_conditional_request(
    archive: Archive, site: Site, tmp_path: Path
) -> None:
    o = publish(site, 3)
    settings = Settings(home=tmp_path)
    first = asyncio.run(poll(archive, [o], polls(), settings))
    assert first.reports[0].counts().new == 3
    before = len(site.paths())

    second = asyncio.run(poll(archive, [o], polls(), settings))

    asked = site.paths()[before:]
    assert asked == ["/feed.xml"]  # robots.txt: the first poll's copy (a 404) stands
    assert site.hits("/feed.xml")[-1].header("If-None-Match") == '"v3"'
    (check,) = second.reports[0].crawl.documents  # type: ignore[union-attr]
    assert (check.status, check.unchanged) == (304, True)
    state = archive.outlet_states(["testsite"])["testsite"]
    assert state.status is OutletStatus.WORKING and state.next_due is not None
    assert state.last_new_article is not None and state.empty_polls == 1


def test_a_changed_feed_costs_its_new_articles_only(
    archive: Archive, site: Site, tmp_path: Path
) -> None:
    settings = Settings(home=tmp_path)
    asyncio.run(poll(archive, [publish(site, 3)], polls(), settings))
    before = len(site.paths())

    run = asyncio.run(poll(archive, [publish(site, 5)], polls(), settings))

    assert sorted(site.paths()[before:]) == ["/a/3", "/a/4", "/feed.xml"]
    (report,) = run.reports
    assert report.counts().new == 2 and report.skip_reasons()["known"] == 3
    (check,) = report.crawl.documents  # type: ignore[union-attr]
    assert (check.listed, check.unknown, check.overflowed) == (5, 2, False)


def test_a_crawl_that_is_no_poll_asks_again_for_every_listed_article(
    archive: Archive, site: Site, tmp_path: Path
) -> None:
    settings = Settings(home=tmp_path)
    o = publish(site, 3)
    asyncio.run(poll(archive, [o], polls(), settings))
    before = len(site.paths())

    run = asyncio.run(poll(archive, [o], options(), settings))

    assert sorted(site.paths()[before:]) == ["/a/0", "/a/1", "/a/2", "/feed.xml"]
    assert site.hits("/feed.xml")[-1].header("If-None-Match") is None
    assert run.reports[0].counts().unchanged == 3


def test_a_dead_feed_is_failing_with_its_reason_and_alerts_once(
    archive: Archive, site: Site, tmp_path: Path
) -> None:
    o = outlet(site, "feed", "/gone.xml")
    settings = Settings(home=tmp_path)
    runs = [asyncio.run(poll(archive, [o], polls(), settings)) for _ in range(2)]
    first, second = (run.changes[0] for run in runs)
    assert first.after.status is OutletStatus.FAILING and "HTTP 404" in (first.after.reason or "")
    assert [a.event for a in first.alerts] == ["newsarchive.outlet.failing"]
    assert second.alerts == () and second.after.failures == 6.0  # a 404 counts three


def test_known_articles_come_due_on_their_decaying_schedule() -> None:
    o = Outlet.model_validate(
        {
            "name": "n",
            "kind": "feed",
            "start_urls": ["https://n.example/f"],
            "allowed_domains": ["n.example"],
            "revisits": ["1h", "1d"],
        }
    )

    def article(
        first: timedelta, seen: timedelta, revisit: timedelta | None = None
    ) -> KnownArticle:
        return KnownArticle(
            f"https://n.example/{first}",
            "k",
            T0 - first,
            T0 - seen,
            T0 - revisit if revisit else None,
        )

    due = due_revisits(
        o,
        [
            article(timedelta(minutes=30), timedelta(minutes=30)),  # not an hour old
            article(timedelta(hours=2), timedelta(hours=2)),  # an hour passed, not revisited
            article(timedelta(hours=2), timedelta(minutes=10)),  # seen since its hour came
            article(timedelta(hours=5), timedelta(hours=5), timedelta(hours=3)),  # revisited
            article(timedelta(days=2), timedelta(days=2), timedelta(hours=40)),  # a day passed
        ],
        T0,
    )
    assert due == ("https://n.example/2:00:00", "https://n.example/2 days, 0:00:00")


def test_concurrent_fleet_runs_claim_disjoint_due_outlets(
    archive: Archive, database_url: str, tmp_path: Path
) -> None:
    names = [f"o{n}" for n in range(60)]
    archive.sync_roster([RosterEntry(name) for name in names])
    claimed: list[list[str]] = []
    start = threading.Barrier(3)

    def claim(holder: str) -> None:
        with Archive.open(database_url, f"file://{tmp_path / 'objects'}") as mine:
            start.wait()
            now = datetime.now(UTC)
            claimed.append(mine.claim_due(None, now, holder, now + timedelta(minutes=5), 25))

    workers = [threading.Thread(target=claim, args=(f"w{n}",)) for n in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    every = [name for batch in claimed for name in batch]
    assert len(every) == len(set(every)) == 60
    assert sorted(len(batch) for batch in claimed) == [10, 25, 25]
    now = datetime.now(UTC)
    assert archive.claim_due(None, now, "late", now + timedelta(minutes=5), 100) == []


def test_a_cycle_claims_and_polls_its_due_outlets_a_batch_at_a_time(
    archive: Archive, site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fleet = []
    for n in range(5):
        site.page(f"/{n}/a", html(f"Article {n}", f"The text of outlet {n}, kept. " * 5))
        rss(site, [f"/{n}/a"], f"/{n}/feed.xml")
        fleet.append(outlet(site, "feed", f"/{n}/feed.xml", name=f"o{n}"))
    batches: list[list[str]] = []
    claim = archive.claim_due

    def watched(*args: object) -> list[str]:
        batches.append(claim(*args))  # type: ignore[arg-type]
        return batches[-1]

    monkeypatch.setattr(archive, "claim_due", watched)
    run = asyncio.run(poll_due(archive, fleet, options(), Settings(home=tmp_path), batch=2))

    assert [len(batch) for batch in batches] == [2, 2, 1, 0]
    assert sorted(r.outlet for r in run.reports) == [f"o{n}" for n in range(5)]
    assert all(len(site.hits(f"/{n}/feed.xml")) == 1 for n in range(5))
    assert {r.counts().new for r in run.reports} == {1} and len(run.changes) == 5
    assert all(state.next_due for state in archive.outlet_states().values())


def test_the_roster_follows_the_outlets_file(archive: Archive, site: Site, tmp_path: Path) -> None:
    kept, leaving = publish(site, 1), outlet(site, "feed", "/feed.xml", name="leaving")
    archive.sync_roster(roster([kept, leaving]))
    assert set(archive.outlet_states()) == {"testsite", "leaving"}
    archive.sync_roster(roster([kept.model_copy(update={"enabled": False})]))
    states = archive.outlet_states()
    assert set(states) == {"testsite"} and states["testsite"].status is OutletStatus.PAUSED
    now = datetime.now(UTC)
    assert archive.claim_due(None, now, "h", now + timedelta(minutes=1), 10) == []
    archive.sync_roster(roster([kept]))
    run = asyncio.run(poll_due(archive, [kept], options(), Settings(home=tmp_path)))
    assert [r.outlet for r in run.reports] == ["testsite"]


def test_the_claims_of_a_killed_run_are_free_at_once(archive: Archive) -> None:
    archive.sync_roster([RosterEntry("a"), RosterEntry("b")])
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = str(Holder(socket.gethostname(), int(gone.stdout), "t0"))
    now = datetime.now(UTC)
    assert archive.claim_due(None, now, dead, now + timedelta(minutes=10), 10) == ["a", "b"]
    alive = str(Holder.this_process())
    assert archive.claim_named(["a"], now, alive, now + timedelta(minutes=10)) == []
    other = str(Holder(socket.gethostname(), os.getppid(), "t1"))  # a live process: it holds
    assert archive.claim_named(["a"], now, other, now + timedelta(minutes=10)) == ["a"]
