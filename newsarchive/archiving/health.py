"""An outlet's health after each poll, and the alerts its changes raise: once, not every run.

A dead outlet on a five-minute schedule would otherwise alert 288 times a
day.  Here a poll moves the outlet's state (:class:`OutletState`), and an
alert is raised when a condition begins (working to failing, to stale, to
disabled, extraction failing) and once more when the outlet recovers;
while it lasts, nothing.  Failures count by how hard they are: a host that
no longer resolves or a feed that answers 404 or 410 counts three, a 5xx or a
timeout one; an outlet whose weighted failures reach
:data:`DISABLE_AFTER` with a hard failure last is disabled with its reason,
until an operator enables it again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import timedelta

from newsarchive.archiving.schedule import Poll, schedule_next
from newsarchive.config import Settings
from newsarchive.records import OutletState, OutletStatus
from newsarchive.spiders.outlets import Outlet

HARD_WEIGHT = 3.0
SOFT_WEIGHT = 1.0
DISABLE_AFTER = 12.0
"""Weighted failures in a row after which a hard-failing outlet is disabled (four polls)."""


@dataclass(frozen=True, slots=True)
class Rules:
    """When an outlet counts as stale, and when failing extraction raises an alert."""

    stale_after_polls: int = 3
    stale_after: timedelta = timedelta(days=2)
    max_extraction_failure_rate: float = 0.5
    min_pages_for_rate: int = 4

    @classmethod
    def for_outlet(cls, settings: Settings, outlet: Outlet) -> Rules:
        """The settings' thresholds, with the outlet's own where it sets them."""
        return cls(
            stale_after_polls=outlet.stale_after_runs or settings.stale_after_runs,
            stale_after=outlet.stale_after or settings.stale_after,
            max_extraction_failure_rate=settings.max_extraction_failure_rate,
        )


@dataclass(frozen=True, slots=True)
class AlertKind:
    """One kind of alert on an outlet's state: the event raised, and what an operator calls it."""

    event: str
    name: str  # the automation's name
    headline: str  # a notification's subject, ``{outlet}`` standing for the outlet's name


FAILING = AlertKind("newsarchive.outlet.failing", "outlet failing", "{outlet} is failing")
STALE = AlertKind("newsarchive.outlet.stale", "outlet stale", "{outlet} is stale")
DISABLED = AlertKind("newsarchive.outlet.disabled", "outlet disabled", "{outlet} was disabled")
EXTRACTION_FAILING = AlertKind(
    "newsarchive.outlet.extraction-failing",
    "extraction failing",
    "extraction failing for {outlet}",
)
RECOVERED = AlertKind("newsarchive.outlet.recovered", "outlet recovered", "{outlet} recovered")
ALERT_KINDS: tuple[AlertKind, ...] = (FAILING, STALE, DISABLED, EXTRACTION_FAILING, RECOVERED)
"""Every alert an outlet's state raises, in the order they are listed."""

_BY_STATUS = {
    OutletStatus.FAILING: FAILING,
    OutletStatus.STALE: STALE,
    OutletStatus.DISABLED: DISABLED,
}


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert raised for one outlet by a change of its state."""

    outlet: str
    event: str
    message: str


@dataclass(frozen=True, slots=True)
class Change:
    """An outlet's state before and after a poll, and the alerts the change raised."""

    before: OutletState
    after: OutletState
    alerts: tuple[Alert, ...]

    @property
    def status_changed(self) -> bool:
        return self.before.status is not self.after.status


def failure_weight(poll: Poll) -> float:
    """How much a failed poll counts: a hard failure of any of its documents counts more."""
    return HARD_WEIGHT if _hard(poll) else SOFT_WEIGHT


def _hard(poll: Poll) -> bool:
    return any(d.failure is not None and d.failure.hard for d in poll.documents)


def _stale_reason(state: OutletState, poll: Poll, rules: Rules) -> str | None:
    """Why the outlet is stale: no new article for ``stale_after`` and in as many polls."""
    if state.empty_polls < rules.stale_after_polls:
        return None
    since = state.last_new_article or state.first_poll or poll.at
    if poll.at - since < rules.stale_after:
        return None
    what = "since " + since.strftime("%Y-%m-%d %H:%MZ") if state.last_new_article else "ever"
    return f"no new article {what} ({state.empty_polls} polls)"


def assess(
    outlet: Outlet,
    state: OutletState,
    poll: Poll,
    rules: Rules,
    rng: random.Random | None = None,
) -> Change:
    """The outlet's state after ``poll``, and the alerts its change raises."""
    failed = poll.failure is not None
    gap, due, rate = schedule_next(outlet, state, poll, rng)
    after = replace(
        state,
        collection=outlet.collection,
        failures=state.failures + failure_weight(poll) if failed else 0.0,
        interval_seconds=round(gap.total_seconds()),
        next_due=due,
        rate_per_hour=rate,
        first_poll=state.first_poll or poll.at,
        last_poll=poll.at,
        last_success=state.last_success if failed else poll.at,
        last_new_article=poll.at if poll.new else state.last_new_article,
        empty_polls=0 if poll.new else state.empty_polls + (0 if failed else 1),
    )
    status, reason = OutletStatus.WORKING, None
    if not outlet.enabled:
        status = OutletStatus.PAUSED
    elif failed and after.failures >= DISABLE_AFTER and _hard(poll):
        status = OutletStatus.DISABLED
        reason = f"disabled after {after.failures:g} weighted failures: {poll.failure}"
    elif failed:
        status, reason = OutletStatus.FAILING, poll.failure
    elif stale := _stale_reason(after, poll, rules):
        status, reason = OutletStatus.STALE, stale
    after = replace(after, status=status, reason=reason)
    return _alerting(state, after, poll)


def _alerting(before: OutletState, after: OutletState, poll: Poll) -> Change:
    """Raise what began with this poll, and a recovery for what ended; keep the rest standing."""
    standing = []
    if (kind := _BY_STATUS.get(after.status)) is not None:
        standing.append((kind, after.reason or after.status.value))
    if poll.extraction_failing:
        standing.append((EXTRACTION_FAILING, poll.extraction_failing))
    raised = [
        Alert(after.outlet, kind.event, f"{after.outlet}: {message}")
        for kind, message in standing
        if kind.event not in before.alerts
    ]
    events = {kind.event for kind, _ in standing}
    ended = [event for event in before.alerts if event not in events]
    if ended and not raised and after.status is OutletStatus.WORKING:
        raised.append(Alert(after.outlet, RECOVERED.event, f"{after.outlet}: working again"))
    return Change(before, replace(after, alerts=tuple(sorted(events))), tuple(raised))


def enabled_again(state: OutletState) -> OutletState:
    """A disabled outlet an operator enabled: due now, its failures forgotten."""
    return replace(
        state, status=OutletStatus.WORKING, reason=None, failures=0.0, next_due=None, alerts=()
    )
