"""The outlets file: which sites are crawled, how they are discovered, how politely.

Per-outlet knowledge lives in this TOML data, not in code branches.  The file
is validated completely before anything is fetched, and every mistake is
reported on one line naming the file, the outlet and the field, because an
operator editing the file needs to know exactly which line to fix.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from cronsim import CronSim, CronSimError
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)

from newsarchive.durations import Duration
from newsarchive.errors import ConfigError, InputError
from newsarchive.identity import canonical_url, without_credentials
from newsarchive.spiders.patterns import linear_pattern, linear_search
from newsarchive.spiders.urls import on_site

MAX_DELAY_SECONDS = 3600.0
"""A longer wait between two requests to one site is a typo, not politeness."""

MAX_PAGES = 10_000
"""The most requests one outlet's crawl may make: a larger budget is a typo, and one crawl
that long would hold its site's lease for hours (a backfill is a series of crawls)."""

_DNS_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def _valid_host(host: str) -> bool:
    """A DNS name of letter-digit-hyphen labels, or an IP address."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return all(_DNS_LABEL.match(label) for label in host.removesuffix(".").split("."))
    return True


DEFAULT_PAGINATION = r"[?&]page=\d+|/page/\d+/?$"
"""Which links of a listing page lead to its next pages (``?page=N``, ``/page/N/``)."""

Slug = Annotated[str, Field(pattern=r"^[a-z0-9-]+$")]

DEFAULT_REVISITS = tuple(timedelta(hours=h) for h in (1, 6, 24, 72, 168))
"""A known article is fetched again (conditionally) this long after it was first seen."""


class OutletKind(StrEnum):
    """How new articles of an outlet are discovered."""

    FEED = "feed"  # RSS or Atom, any version
    SITEMAP = "sitemap"  # any sitemap (index, urlset, text, feed), robots.txt or the site root
    LISTING = "listing"  # section pages with pagination


class Outlet(BaseModel):
    """One news site, as described by one ``[[outlet]]`` table."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Slug
    kind: OutletKind
    start_urls: tuple[str, ...] = Field(min_length=1)
    allowed_domains: tuple[str, ...] = Field(min_length=1)
    article_pattern: str | None = None
    pagination_pattern: str = DEFAULT_PAGINATION
    profile: Slug = "generic"
    collection: Slug = "default"  # the fleet deployment that polls it
    tags: tuple[str, ...] = ()
    schedule: str | None = None  # a UTC cron that pins its polls; none: the fleet adapts them
    min_interval: Duration = timedelta(minutes=5)  # bounds of the adaptive schedule
    max_interval: Duration = timedelta(hours=6)
    revisits: tuple[Duration, ...] = DEFAULT_REVISITS  # after first seen, to find new versions
    stale_after: Duration | None = None  # no news for so long: stale (NEWSARCHIVE_STALE_AFTER)
    enabled: bool = True  # false: the outlet is paused (`crawl` and the fleet leave it out)
    deployment: bool = False  # `serve` gives it a deployment of its own besides the fleet's
    download_delay: float = Field(default=1.0, ge=0, le=MAX_DELAY_SECONDS)
    concurrency: int = Field(default=2, ge=1, le=16)
    max_pages: int = Field(default=500, ge=1, le=MAX_PAGES)
    stale_after_runs: int | None = Field(
        default=None, ge=1
    )  # default: NEWSARCHIVE_STALE_AFTER_RUNS
    requisites: bool = False  # also fetch the stylesheets and images article pages reference
    requisite_hosts: tuple[str, ...] = ()  # hosts besides allowed_domains to fetch them from
    # true: its hosts may resolve to private addresses (an intranet outlet); a TOML
    # boolean only, so that a quoted or numbered value is pointed out, not guessed at
    private_addresses: StrictBool = False

    @field_validator("start_urls")
    @classmethod
    def _http_urls(cls, urls: tuple[str, ...]) -> tuple[str, ...]:
        for url in urls:
            try:
                host = urlsplit(canonical_url(url)).hostname or ""
            except InputError:
                raise ValueError(f"not an http(s) URL: {url!r}") from None
            if not _valid_host(host):
                raise ValueError(f"not a valid host name in {url!r}")
            public = without_credentials(url)
            if public != url:
                raise ValueError(f"{public!r} was given a user:password@, which is never sent")
        return urls

    @field_validator("allowed_domains", "requisite_hosts")
    @classmethod
    def _bare_hosts(cls, domains: tuple[str, ...]) -> tuple[str, ...]:
        for domain in domains:
            if not re.match(r"^[a-z0-9.-]+$", domain):
                raise ValueError(f"not a bare host name: {domain!r}")
        return domains

    @field_validator("article_pattern", "pagination_pattern")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            linear_pattern(pattern)  # ValueError saying why RE2 cannot take it
        return pattern

    @field_validator("schedule")
    @classmethod
    def _cron(cls, schedule: str | None) -> str | None:
        return None if schedule is None else checked_cron(schedule)

    @field_validator("tags")
    @classmethod
    def _plain_tags(cls, tags: tuple[str, ...]) -> tuple[str, ...]:
        for tag in tags:
            if not tag.strip() or len(tag) > 100:
                raise ValueError(f"a tag is 1 to 100 characters, not {tag!r}")
        return tags

    @model_validator(mode="after")
    def _bounds_in_order(self) -> Outlet:
        if self.min_interval <= timedelta(0):
            raise ValueError("min_interval: must be longer than nothing")
        if self.max_interval < self.min_interval:
            raise ValueError("max_interval: shorter than min_interval")
        if any(step <= timedelta(0) for step in self.revisits):
            raise ValueError("revisits: every step must be longer than nothing")
        if list(self.revisits) != sorted(set(self.revisits)):
            raise ValueError("revisits: steps must grow, each after the one before")
        return self

    def matches_article(self, url: str) -> bool:
        """Whether ``url`` looks like an article of this outlet (no pattern: anything)."""
        return self.article_pattern is None or linear_search(self.article_pattern, url)

    def matches_pagination(self, url: str) -> bool:
        """Whether ``url`` looks like a next page of one of this outlet's listings."""
        return linear_search(self.pagination_pattern, url)

    @model_validator(mode="after")
    def _listing_needs_pattern(self) -> Outlet:
        if self.kind is OutletKind.LISTING and not self.article_pattern:
            raise ValueError("article_pattern: required for kind 'listing'")
        return self

    @model_validator(mode="after")
    def _starts_on_its_own_site(self) -> Outlet:
        for url in self.start_urls:
            if not on_site(url, self.allowed_domains):
                raise ValueError(f"start_urls: {url!r} is not on the outlet's allowed_domains")
        return self


def checked_cron(schedule: str) -> str:
    """The cron expression, or ValueError saying what is wrong with it."""
    try:
        CronSim(schedule, datetime.now(UTC))
    except CronSimError as exc:
        raise ValueError(f"bad cron expression {schedule!r}: {exc}") from None
    return schedule


def builtin_outlets_path() -> Path:
    """The seed outlets shipped with the package (live URLs)."""
    return Path(str(files("newsarchive.spiders").joinpath("outlets.toml")))


def load_outlets(path: Path) -> list[Outlet]:
    """Read and validate an outlets file.

    Raises :class:`ConfigError` with ``FILE: outlet 'NAME': FIELD: problem``.
    """
    label = Path(path).name
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such outlets file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not an outlets file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{label}: not UTF-8 text: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the outlets file: {exc.strerror}") from None
    return parse_outlets(text, label)


def parse_outlets(text: str, label: str) -> list[Outlet]:
    """Validate the text of an outlets file; ``label`` names it in errors."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{label}: not valid TOML: {exc}") from None
    unknown = sorted(set(document) - {"outlet"})
    if unknown:
        raise ConfigError(f"{label}: unknown top-level key {unknown[0]!r} (expected [[outlet]])")
    tables = document.get("outlet")
    if not isinstance(tables, list) or not tables:
        raise ConfigError(f"{label}: no [[outlet]] tables")
    outlets: list[Outlet] = []
    seen: set[str] = set()
    for position, table in enumerate(tables, start=1):
        outlet = _parse_outlet(label, position, table)
        if outlet.name in seen:
            raise ConfigError(f"{label}: outlet '{outlet.name}': name: duplicate outlet name")
        seen.add(outlet.name)
        outlets.append(outlet)
    return outlets


def _parse_outlet(label: str, position: int, table: Any) -> Outlet:
    if not isinstance(table, dict):
        raise ConfigError(f"{label}: outlet #{position}: not a table of fields")
    name = table.get("name")
    who = f"outlet '{name}'" if isinstance(name, str) else f"outlet #{position}"
    try:
        return Outlet.model_validate(table)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = f"{error['loc'][0]}: " if error["loc"] else ""
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        elif error["type"] == "missing":
            message = "missing field"
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{label}: {who}: {field}{message}") from None
