"""Which outlets a run crawls: the outlets file, the names asked for, profiles checked."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from newsarchive.config import Settings
from newsarchive.errors import ConfigError
from newsarchive.extraction import get_profile
from newsarchive.spiders.outlets import Outlet, builtin_outlets_path, load_outlets


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
    """Load, select and check outlets: a bad file, name or profile is refused in one line."""
    path = outlets_path(settings, outlets_file)
    outlets = select(load_outlets(path), names)
    for outlet in outlets:
        try:
            get_profile(outlet.profile)
        except ConfigError as exc:
            raise ConfigError(f"{path.name}: outlet {outlet.name!r}: profile: {exc}") from None
    return outlets
