"""When an outlet is polled next: set from what its polls saw, within its bounds, with jitter.

A fixed cron polls a quiet outlet for nothing most of the time and lets a
busy one's feed window roll over between two polls, losing articles.  Here
each poll's findings move the outlet's next due time:

- the rate of new articles (an average over polls, new articles an hour) sets
  a gap in which about a third of the outlet's feed window fills up, so a
  poll comes well before articles drop out of the window; before the second
  poll, the rate the listed articles' own dates show stands for it;
- a window that overflowed (every listed article new to a document read
  before) means articles were probably missed: the gap shrinks to a quarter;
- polls that find nothing (a 304, the same bytes, no new article) bring the
  rate down, and the gap grows, up to ``max_interval``;
- the feed's own hint (``ttl``, ``sy:updatePeriod``) is a floor, and so is a
  server's ``Retry-After``;
- an outlet that could not be crawled backs off exponentially;
- a pinned cron (``schedule``) overrides all of it.

The gap stays within the outlet's ``min_interval`` and ``max_interval`` and
gets up to 10 % of jitter either way (50 % after the first poll), so a
thousand outlets added at once do not come due at once again.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from cronsim import CronSim

from newsarchive.records import DocumentCheck, OutletState
from newsarchive.spiders.outlets import Outlet

FIRST_INTERVAL = timedelta(minutes=30)
"""The gap after an outlet's first poll, before any rate is known (then within its bounds)."""
WINDOW_SHARE = 1 / 3
"""Of the feed window, what a poll should find new on average."""
GROWTH = 1.5
"""The gap's growth after a poll that found nothing."""
OVERFLOW_SHRINK = 4
"""The gap's division after a window overflowed."""
RATE_WEIGHT = 0.5
"""The weight of the latest poll's rate in the running average."""
JITTER = 0.1
FIRST_JITTER = 0.5
"""The jitter of the first gap: outlets added together must not stay due together."""


@dataclass(frozen=True, slots=True)
class Poll:
    """What one poll of one outlet came to, as far as its schedule and health go."""

    at: datetime
    new: int  # new articles archived
    documents: tuple[DocumentCheck, ...] = ()
    failure: str | None = None  # why the outlet could not be crawled at all
    extraction_failing: str | None = None  # the alert's message, when its pages stopped yielding

    @property
    def window(self) -> int:
        """The most articles one of its documents listed: how far back a poll can see."""
        return max((d.listed for d in self.documents), default=0)

    @property
    def overflowed(self) -> bool:
        return any(d.overflowed for d in self.documents)

    @property
    def quiet(self) -> bool:
        """No article was new."""
        return self.new == 0

    @property
    def hint(self) -> timedelta | None:
        """The longest polling hint a document gave (ttl, sy:updatePeriod)."""
        hints = [d.hint_seconds for d in self.documents if d.hint_seconds]
        return timedelta(seconds=max(hints)) if hints else None

    @property
    def dated_rate(self) -> float | None:
        """Articles an hour as the documents' own dates show them (the busiest document)."""
        rates = [d.listed_per_hour for d in self.documents if d.listed_per_hour]
        return max(rates) if rates else None

    @property
    def retry_after(self) -> timedelta | None:
        waits = [d.retry_after_seconds for d in self.documents if d.retry_after_seconds]
        return timedelta(seconds=max(waits)) if waits else None


def measured_rate(state: OutletState, poll: Poll) -> float:
    """New articles an hour, averaged over polls.  The first poll finds a backlog, not a
    rate: then the rate is what the dates of the articles its documents list show, if any."""
    if state.last_poll is None:
        return poll.dated_rate or state.rate_per_hour
    hours = max((poll.at - state.last_poll).total_seconds() / 3600, 1 / 3600)
    seen = poll.new
    if poll.overflowed:  # more were published than the window showed
        seen = max(seen, poll.window) * 2
    return (1 - RATE_WEIGHT) * state.rate_per_hour + RATE_WEIGHT * (seen / hours)


def next_interval(outlet: Outlet, state: OutletState, poll: Poll, rate: float) -> timedelta:
    """The gap before the next poll, before jitter and bounds."""
    before = timedelta(seconds=state.interval_seconds) if state.interval_seconds else None
    if poll.failure is not None:
        backoff = outlet.min_interval * 2 ** min(math.ceil(state.failures + 1), 20)
        return max(backoff, before or FIRST_INTERVAL)
    if before is None:
        gap = _filling(poll.window, rate) if poll.dated_rate else FIRST_INTERVAL
    elif poll.overflowed:
        gap = before / OVERFLOW_SHRINK
    elif rate > 0 and poll.window:
        gap = _filling(poll.window, rate)
    elif poll.quiet:
        gap = before * GROWTH
    else:
        gap = before
    if poll.hint is not None:
        gap = max(gap, min(poll.hint, outlet.max_interval))
    return gap


def _filling(window: int, rate: float) -> timedelta:
    """The time ``rate`` takes to fill :data:`WINDOW_SHARE` of a feed window."""
    return timedelta(hours=max(1.0, window * WINDOW_SHARE) / rate)


def within(outlet: Outlet, gap: timedelta) -> timedelta:
    return min(max(gap, outlet.min_interval), outlet.max_interval)


def schedule_next(
    outlet: Outlet, state: OutletState, poll: Poll, rng: random.Random | None = None
) -> tuple[timedelta, datetime, float]:
    """(gap, next due time, rate) after ``poll``; a pinned cron's next time when it has one."""
    rate = measured_rate(state, poll)
    if outlet.schedule is not None:
        due = pinned_next(outlet.schedule, poll.at)
        return due - poll.at, due, rate
    gap = within(outlet, next_interval(outlet, state, poll, rate))
    spread = FIRST_JITTER if state.last_poll is None else JITTER
    jittered = within(outlet, gap * (rng or random).uniform(1 - spread, 1 + spread))
    due = poll.at + jittered
    if poll.retry_after is not None:
        due = max(due, poll.at + poll.retry_after)
    return gap, due, rate


def pinned_next(cron: str, after: datetime) -> datetime:
    """The first time the cron names after ``after`` (UTC)."""
    return next(CronSim(cron, after))
