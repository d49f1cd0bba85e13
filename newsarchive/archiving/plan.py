"""What a run crawls: the request, the outlets it names or the enabled ones, and how.

A run is asked for once, as a typed :class:`RunRequest` (from the command
line, or a deployment's parameters), and planned here, in one place, the
same for the CLI, the flows and the tests: the outlets file read and
checked, the outlets chosen (those named, in their order, enabled or not;
else every enabled one), their profiles checked, the crawl options built
from the settings.  A stand-in for the live sites (the offline replica)
plugs in through :class:`StandIn`, a seam the core offers without knowing
what stands in.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from newsarchive.config import CrawlMode, Settings
from newsarchive.errors import ConfigError
from newsarchive.extraction import get_profile
from newsarchive.spiders.options import CrawlOptions
from newsarchive.spiders.outlets import Outlet, builtin_outlets_path, load_outlets


class RunRequest(BaseModel):
    """What one crawl run is asked to do; a flow parameter, so every field is plain data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    outlets: tuple[str, ...] = ()  # these outlets, in this order, enabled or not; none: all enabled
    outlets_file: Path | None = None  # instead of NEWSARCHIVE_OUTLETS or the built-in file
    mode: CrawlMode | None = None  # where Scrapy runs, instead of NEWSARCHIVE_CRAWL_MODE


class StandIn(Protocol):
    """Sites that answer for the outlets' live ones while a run lasts."""

    def outlets(self, outlets: Sequence[Outlet]) -> list[Outlet]:
        """The outlets as crawled against the stand-in; InputError for any it lacks."""
        ...

    def serving(
        self, outlets: Sequence[Outlet], options: CrawlOptions
    ) -> AbstractContextManager[CrawlOptions]:
        """Serve while the block runs; the options that send the crawl's connections there."""
        ...


@dataclass(frozen=True, slots=True)
class Plan:
    """A run's outlets, checked and chosen, and the options their crawl runs with."""

    outlets: tuple[Outlet, ...]
    options: CrawlOptions


def plan_run(settings: Settings, request: RunRequest, stand_in: StandIn | None = None) -> Plan:
    """The outlets a request asks for and how to crawl them; a bad file, name or profile is
    refused in one line."""
    chosen = plan_outlets(settings, request.outlets, request.outlets_file)
    if not request.outlets:
        chosen = [outlet for outlet in chosen if outlet.enabled]
    if stand_in is not None:
        chosen = stand_in.outlets(chosen)
    return Plan(tuple(chosen), CrawlOptions.from_settings(settings, request.mode))


def outlets_path(settings: Settings, outlets_file: str | Path | None = None) -> Path:
    """The outlets file a run reads: the given one, else the configured or built-in one."""
    if outlets_file:
        return Path(outlets_file)
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


def plan_outlets(
    settings: Settings,
    names: Sequence[str] | None = None,
    outlets_file: str | Path | None = None,
) -> list[Outlet]:
    """Load, select and check outlets (all of the file when no names, enabled or not)."""
    path = outlets_path(settings, outlets_file)
    outlets = select(load_outlets(path), names)
    for outlet in outlets:
        try:
            get_profile(outlet.profile)
        except ConfigError as exc:
            raise ConfigError(f"{path.name}: outlet {outlet.name!r}: profile: {exc}") from None
    return outlets
