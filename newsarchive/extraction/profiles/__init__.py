"""The registry of outlet profiles, by the name the outlets file and the CLI use."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from newsarchive.errors import ConfigError
from newsarchive.extraction.profile import Profile
from newsarchive.extraction.profiles.generic import GENERIC
from newsarchive.extraction.profiles.joongang import JOONGANG
from newsarchive.extraction.profiles.kcnawatch import KCNAWATCH
from newsarchive.extraction.profiles.sputnik import SPUTNIK
from newsarchive.extraction.profiles.vanguard import VANGUARD

PROFILES: Mapping[str, Profile] = MappingProxyType(
    {profile.name: profile for profile in (GENERIC, JOONGANG, SPUTNIK, VANGUARD, KCNAWATCH)}
)


def get_profile(name: str) -> Profile:
    """The profile called ``name``; ConfigError naming the known ones otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise ConfigError(f"unknown profile {name!r} (known: {known})") from None
