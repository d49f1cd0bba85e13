"""An outlet's health after each poll: alerts when a condition begins and ends, never per run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsarchive.archiving.health import (
    DISABLED,
    EXTRACTION_FAILING,
    FAILING,
    RECOVERED,
    STALE,
    Change,
    Rules,
    assess,
    enabled_again,
)
from newsarchive.archiving.schedule import Poll
from newsarchive.records import DocumentCheck, DocumentFailure, OutletState, OutletStatus
from newsarchive.spiders.outlets import Outlet

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
FEED = "https://news.example/feed.xml"
OUTLET = Outlet.model_validate(
    {"name": "news", "kind": "feed", "start_urls": [FEED], "allowed_domains": ["news.example"]}
)


def gone(at: datetime) -> Poll:
    check = DocumentCheck(FEED, 404, failure=DocumentFailure.GONE, reason="answered HTTP 404")
    return Poll(
        at,
        new=0,
        documents=(check,),
        failure=f"no discovery document could be read ({FEED}: answered HTTP 404)",
    )


def slow(at: datetime) -> Poll:
    check = DocumentCheck(FEED, None, failure=DocumentFailure.TIMEOUT, reason="timed out")
    return Poll(at, new=0, documents=(check,), failure="no discovery document could be read")


def fine(at: datetime, new: int = 2) -> Poll:
    return Poll(at, new=new, documents=(DocumentCheck(FEED, 200, listed=10, unknown=new),))


def run(polls: list[Poll], outlet: Outlet = OUTLET) -> list[Change]:
    state, changes = OutletState("news"), []
    for poll in polls:
        rules = Rules(stale_after=outlet.stale_after) if outlet.stale_after else Rules()
        change = assess(outlet, state, poll, rules)
        changes.append(change)
        state = change.after
    return changes


def events(change: Change) -> list[str]:
    return [alert.event for alert in change.alerts]


def hours(n: int) -> datetime:
    return T0 + timedelta(hours=n)


def test_a_failing_outlet_alerts_once_and_once_more_when_it_recovers() -> None:
    changes = run([fine(hours(0)), slow(hours(1)), slow(hours(2)), slow(hours(3)), fine(hours(4))])
    assert [events(c) for c in changes] == [
        [],
        [FAILING.event],
        [],
        [],
        [RECOVERED.event],
    ]
    assert changes[3].after.status is OutletStatus.FAILING
    assert changes[3].after.failures == 3.0  # soft failures count one each
    assert changes[4].after.failures == 0.0 and changes[4].after.last_success == hours(4)


def test_hard_failures_count_more_and_disable_the_outlet_with_its_reason() -> None:
    changes = run([fine(hours(0)), *(gone(hours(n)) for n in range(1, 5))])
    assert [c.after.status for c in changes] == [
        OutletStatus.WORKING,
        *[OutletStatus.FAILING] * 3,
        OutletStatus.DISABLED,
    ]
    assert changes[3].after.failures == 9.0
    assert events(changes[4]) == [DISABLED.event]
    assert "answered HTTP 404" in (changes[4].after.reason or "")
    back = enabled_again(changes[4].after)
    assert (back.status, back.failures, back.next_due, back.alerts) == (
        OutletStatus.WORKING,
        0.0,
        None,
        (),
    )


def test_soft_failures_alone_never_disable() -> None:
    changes = run([slow(hours(n)) for n in range(30)])
    assert {c.after.status for c in changes} == {OutletStatus.FAILING}


def test_an_outlet_is_stale_after_its_time_and_its_polls_without_news() -> None:
    o = OUTLET.model_copy(update={"stale_after": timedelta(hours=10)})
    polls = [fine(hours(0)), *(fine(hours(n), new=0) for n in (2, 4, 6, 11, 12)), fine(hours(13))]
    changes = run(polls, o)
    statuses = [c.after.status for c in changes]
    assert statuses[:5] == [OutletStatus.WORKING] * 4 + [OutletStatus.STALE]  # 3 polls, 10 h
    assert events(changes[4]) == [STALE.event] and events(changes[5]) == []
    assert statuses[6] is OutletStatus.WORKING and events(changes[6]) == [RECOVERED.event]
    assert "no new article since 2026-12-07 12:00Z" in (changes[4].after.reason or "")


def test_failing_extraction_alerts_once_while_it_lasts() -> None:
    bad = [
        Poll(hours(n), new=1, extraction_failing="extraction failed for 5 of 6 pages (83%)")
        for n in range(3)
    ]
    changes = run(bad)
    assert [events(c) for c in changes] == [[EXTRACTION_FAILING.event], [], []]


def test_a_paused_outlet_says_so() -> None:
    paused = OUTLET.model_copy(update={"enabled": False})
    (change,) = run([fine(hours(0))], paused)
    assert change.after.status is OutletStatus.PAUSED and not change.alerts
