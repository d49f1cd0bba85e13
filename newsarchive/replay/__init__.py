"""The offline replay: the seed outlets' sites rebuilt from fixture pages, on loopback.

It stands in for the live sites without the crawl or the archive knowing:
the outlets keep their live URLs, and a crawl is told to connect to the
replica for the live hosts (``CrawlOptions.reroute``, a seam of the crawl
room).  :class:`Replica` is what a run plans with (the capture core's
``StandIn``); the demo (``newsarchive crawl --replay``, or
``NEWSARCHIVE_REPLAY``), the tests and the benchmark all serve from
:class:`~newsarchive.replay.server.LoopbackServer`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

from newsarchive.config import Settings
from newsarchive.replay.pages import load_pages
from newsarchive.replay.site import DAYS, ReplaySite, check_replayable, checked_day
from newsarchive.spiders.options import CrawlOptions
from newsarchive.spiders.outlets import Outlet

POLITENESS = {"download_delay": 0.0, "concurrency": 4, "max_pages": 30}
"""The replica is our own loopback process: no delay, and a budget that still stops its traps."""


def replay_outlets(outlets: Sequence[Outlet]) -> list[Outlet]:
    """The outlets as a replay crawls them: same URLs and rules, loopback politeness.

    InputError when the replica has no pages of one of them.
    """
    check_replayable(outlets, load_pages())
    return [outlet.model_copy(update=POLITENESS) for outlet in outlets]


@contextmanager
def replayed(
    outlets: Sequence[Outlet], options: CrawlOptions, *, day: int = 1
) -> Iterator[tuple[list[Outlet], CrawlOptions]]:
    """The replica of ``outlets`` served while the block runs, and how to crawl it.

    Yields the outlets with loopback politeness and the crawl options with
    the replica's reroute table: hand both to the capture core unchanged.
    """
    with Replica(day).serving(outlets, options) as rerouted:
        yield replay_outlets(outlets), rerouted


@dataclass(frozen=True, slots=True)
class Replica:
    """One day of the replica, standing in for the live sites of the outlets a run crawls."""

    day: int = 1

    @classmethod
    def when_asked(cls, settings: Settings) -> Replica | None:
        """The replica the settings ask for (``NEWSARCHIVE_REPLAY``), or None: the live sites."""
        return cls(settings.replay) if settings.replay else None

    def __post_init__(self) -> None:
        checked_day(self.day)

    def outlets(self, outlets: Sequence[Outlet]) -> list[Outlet]:
        """The outlets as a replay crawls them (:func:`replay_outlets`)."""
        return replay_outlets(outlets)

    @contextmanager
    def serving(self, outlets: Sequence[Outlet], options: CrawlOptions) -> Iterator[CrawlOptions]:
        """The replica of ``outlets`` served while the block runs; options that reach it."""
        with ReplaySite(outlets, day=self.day) as site:
            yield replace(options, reroute=site.reroute)


__all__ = ["DAYS", "POLITENESS", "ReplaySite", "Replica", "replay_outlets", "replayed"]
