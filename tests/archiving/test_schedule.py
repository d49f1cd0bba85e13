"""The adaptive schedule: what each poll saw moves the next one, within bounds, with jitter."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from newsarchive.archiving.schedule import FIRST_INTERVAL, Poll, schedule_next
from newsarchive.records import DocumentCheck, OutletState
from newsarchive.spiders.outlets import Outlet

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
FEED = "https://news.example/feed.xml"


def outlet(**fields: object) -> Outlet:
    data: dict[str, object] = {
        "name": "news",
        "kind": "feed",
        "start_urls": [FEED],
        "allowed_domains": ["news.example"],
    }
    return Outlet.model_validate(data | fields)


def document(listed: int, unknown: int, **fields: object) -> DocumentCheck:
    return DocumentCheck(FEED, 200, listed=listed, unknown=unknown, seen_before=True, **fields)  # type: ignore[arg-type]


def polled(state: OutletState, gap: timedelta, rate: float) -> OutletState:
    return OutletState(
        state.outlet,
        interval_seconds=round(gap.total_seconds()),
        rate_per_hour=rate,
        last_poll=T0 - gap,
    )


def next_gap(o: Outlet, state: OutletState, poll: Poll) -> timedelta:
    gap, _, _ = schedule_next(o, state, poll, random.Random(1))
    return gap


def test_the_first_poll_sets_the_first_gap_within_the_bounds() -> None:
    first = next_gap(outlet(), OutletState("news"), Poll(T0, new=20, documents=(document(20, 20),)))
    assert first == FIRST_INTERVAL
    assert next_gap(outlet(min_interval="1h"), OutletState("news"), Poll(T0, new=1)) == timedelta(
        hours=1
    )


def test_the_first_gap_follows_the_pace_the_listed_articles_dates_show() -> None:
    first = OutletState("news")
    busy = Poll(T0, new=10, documents=(document(10, 10, listed_per_hour=60.0),))
    gap, _, rate = schedule_next(outlet(min_interval="1m"), first, busy, random.Random(1))
    assert rate == 60.0 and gap == timedelta(hours=10 / 3 / 60)  # a third of 10, at 1 a minute
    quiet = Poll(T0, new=20, documents=(document(20, 20, listed_per_hour=0.1),))
    assert next_gap(outlet(max_interval="6h"), first, quiet) == timedelta(hours=6)


def test_a_window_that_overflowed_brings_the_next_poll_much_sooner() -> None:
    before = polled(OutletState("news"), timedelta(hours=2), rate=5.0)
    overflow = Poll(T0, new=10, documents=(document(10, 10),))
    calm = Poll(T0, new=3, documents=(document(10, 3),))
    assert next_gap(outlet(), before, overflow) <= timedelta(minutes=30)
    assert next_gap(outlet(), before, calm) > next_gap(outlet(), before, overflow)


def test_polls_that_find_nothing_let_the_gap_grow_to_the_bound() -> None:
    o = outlet(max_interval="6h")
    state = polled(OutletState("news"), timedelta(minutes=30), rate=2.0)
    gaps = []
    for _ in range(12):
        quiet = Poll(
            state.last_poll + timedelta(seconds=state.interval_seconds),
            new=0,  # type: ignore[operator]
            documents=(DocumentCheck(FEED, 304, unchanged=True, seen_before=True),),
        )
        gap, _, rate = schedule_next(o, state, quiet, random.Random(2))
        gaps.append(gap)
        state = OutletState(
            "news",
            interval_seconds=round(gap.total_seconds()),
            rate_per_hour=rate,
            last_poll=quiet.at,
        )
    assert gaps == sorted(gaps)
    assert gaps[-1] == timedelta(hours=6)


def test_a_busy_outlet_is_polled_before_its_window_fills() -> None:
    state = polled(OutletState("news"), timedelta(minutes=30), rate=60.0)  # one a minute
    gap = next_gap(
        outlet(min_interval="1m"), state, Poll(T0, new=30, documents=(document(50, 30),))
    )
    assert gap <= timedelta(minutes=25)  # 50 listed at 60 an hour: a third of it in ~17 min


def test_the_feeds_own_hint_and_retry_after_are_floors() -> None:
    state = polled(OutletState("news"), timedelta(minutes=30), rate=60.0)
    hinted = Poll(T0, new=30, documents=(document(50, 30, hint_seconds=7200),))
    assert next_gap(outlet(), state, hinted) == timedelta(hours=2)
    waited = Poll(T0, new=1, documents=(document(50, 1, retry_after_seconds=3 * 3600),))
    _, due, _ = schedule_next(outlet(), state, waited, random.Random(3))
    assert due >= T0 + timedelta(hours=3)


def test_failures_back_off_and_a_pinned_cron_overrides_everything() -> None:
    state = OutletState(
        "news", interval_seconds=600, failures=3.0, last_poll=T0 - timedelta(minutes=10)
    )
    failed = Poll(T0, new=0, failure="no discovery document could be read")
    assert next_gap(outlet(), state, failed) >= timedelta(minutes=5) * 16
    pinned = outlet(schedule="15 * * * *")
    _, due, _ = schedule_next(pinned, state, failed, random.Random(4))
    assert due == T0.replace(minute=15)


def test_jitter_spreads_outlets_that_started_together() -> None:
    state = polled(OutletState("news"), timedelta(minutes=30), rate=2.0)
    poll = Poll(T0, new=1, documents=(document(20, 1),))
    dues = {schedule_next(outlet(), state, poll, random.Random(seed))[1] for seed in range(50)}
    assert len(dues) > 40
    gap = next_gap(outlet(), state, poll)
    assert all(abs((due - T0) - gap) <= gap * 0.1 + timedelta(seconds=1) for due in dues)


def test_outlets_polled_together_for_the_first_time_come_due_spread_out() -> None:
    first = Poll(T0, new=5, documents=(document(20, 20),))
    dues = [
        schedule_next(outlet(), OutletState("news"), first, random.Random(s))[1] for s in range(200)
    ]
    spread = max(dues) - min(dues)
    assert spread >= FIRST_INTERVAL * 0.8  # half an hour either side of the gap, nearly
    assert all(T0 + FIRST_INTERVAL / 2 <= due <= T0 + FIRST_INTERVAL * 1.5 for due in dues)
