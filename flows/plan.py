"""Which outlets a run crawls, and the replay site when the run is offline."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from newsarchive.config import Settings
from newsarchive.errors import ConfigError
from newsarchive.extraction import get_profile
from newsarchive.spiders.outlets import (
    Outlet,
    builtin_outlets_path,
    load_outlets,
    replay_outlets_path,
)
from newsarchive.spiders.replay import ReplaySite, default_fixtures_dir

# Where replay outlets point while a plan is only being checked, before any site runs.
_CHECK_ORIGIN = "http://127.0.0.1:8"


def outlets_path(settings: Settings, outlets_file: str | Path | None, replay: bool) -> Path:
    """The outlets file a run reads: the given one, else the replay or configured one."""
    if outlets_file:
        return Path(outlets_file)
    if replay:
        return replay_outlets_path()
    return settings.outlets or builtin_outlets_path()


def select(outlets: Sequence[Outlet], names: Sequence[str] | None) -> list[Outlet]:
    """The named outlets in the given order (all when no names), refusing unknown names."""
    if not names:
        return list(outlets)
    by_name = {o.name: o for o in outlets}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise ConfigError(
            f"unknown outlet {', '.join(map(repr, unknown))} (known: {', '.join(by_name)})"
        )
    return [by_name[n] for n in dict.fromkeys(names)]


def load_plan(path: Path, names: Sequence[str] | None, replay_origin: str | None) -> list[Outlet]:
    """Load, select and check outlets: a bad file, name or profile is refused with one line."""
    outlets = select(load_outlets(path, replay_origin=replay_origin), names)
    for outlet in outlets:
        try:
            get_profile(outlet.profile)
        except ConfigError as exc:
            raise ConfigError(f"{path.name}: outlet {outlet.name!r}: profile: {exc}") from None
    return outlets


def check_plan(
    settings: Settings,
    names: Sequence[str] | None = None,
    outlets_file: str | Path | None = None,
    replay: bool = False,
) -> list[Outlet]:
    """Check a plan before anything starts (no replay site is started for it)."""
    path = outlets_path(settings, outlets_file, replay)
    return load_plan(path, names, _CHECK_ORIGIN if replay else None)


class LiveIdentity:
    """Articles are archived under the URLs they were crawled at."""

    def archive_url(self, url: str) -> str:
        return url

    def crawl_url(self, url: str, outlet: str) -> str:
        return url


@dataclass(frozen=True)
class ReplayIdentity:
    """Replayed articles are archived under the live URL their replica stands for.

    The replica listens on a new loopback port each run; archiving under that
    port would make every run's articles new.  The fetch rows still record the
    loopback URLs actually requested.
    """

    site: ReplaySite

    def archive_url(self, url: str) -> str:
        return self.site.live_url(url) or url

    def crawl_url(self, url: str, outlet: str) -> str:
        return self.site.replica_url(url, outlet)


@dataclass(frozen=True)
class Plan:
    """The outlets of a run and how their URLs map to article identities."""

    outlets: list[Outlet]
    identity: LiveIdentity | ReplayIdentity


@contextmanager
def planned_outlets(
    settings: Settings,
    names: Sequence[str] | None = None,
    outlets_file: str | Path | None = None,
    replay: bool = False,
    replay_revision: int = 1,
) -> Iterator[Plan]:
    """The plan of a run; with ``replay`` the fixture site is served while the block runs."""
    path = outlets_path(settings, outlets_file, replay)
    if not replay:
        yield Plan(load_plan(path, names, None), LiveIdentity())
        return
    with ReplaySite(default_fixtures_dir(), revision=replay_revision) as site:
        yield Plan(load_plan(path, names, site.origin), ReplayIdentity(site))
