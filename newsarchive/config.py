"""Settings, read once from the environment (and a ``.env`` file) and passed in.

Nothing reads the environment behind the caller's back: commands load a
:class:`Settings` at start-up and hand it, or the parts of it they need, to
the rooms.  A bad value is reported as a :class:`ConfigError` naming the
variable, so the CLI can print one line and exit 2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from urllib.parse import unquote, urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from newsarchive.durations import Duration
from newsarchive.errors import ConfigError

ENV_PREFIX = "NEWSARCHIVE_"
DEFAULT_USER_AGENT = (
    "newsarchive/0.1 (+https://github.com/newsarchive/newsarchive; archival crawler)"
)

PositiveInt = Annotated[int, Field(gt=0)]

_HOST_NAME = re.compile(
    r"(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?"
    r"|\[[0-9a-f:.]+\]"
)


def host_name(value: str) -> str:
    """A name the viewer may be asked for: ``archive.example.org``, ``*.example.org``, an
    IPv4 address or a bracketed IPv6 one, lowercased; ValueError with the reason otherwise.

    Checked here because Starlette's host check asserts on a malformed pattern
    rather than reporting it, and a port or scheme would never match a
    ``Host`` header.
    """
    name = value.strip().lower()
    if not _HOST_NAME.fullmatch(name):
        raise ValueError(
            f"{value!r} is not a host name (archive.example.org, *.example.org, "
            "192.0.2.7 or [2001:db8::7], without scheme or port)"
        )
    return name


class CrawlMode(StrEnum):
    """Where Scrapy runs: see :mod:`newsarchive.spiders.runner`."""

    INPROCESS = "inprocess"  # on the caller's asyncio loop, no Twisted reactor
    SUBPROCESS = "subprocess"  # in a child process on Twisted's reactor


class StoreScheme(StrEnum):
    """The kinds of object store a store URL may name: the one list of them.

    Storage opens one store class per scheme
    (:data:`newsarchive.storage.objects.STORES`).
    """

    FILE = "file"  # file://PATH: a local directory
    S3 = "s3"  # s3://BUCKET[/PREFIX]: any S3-compatible service, configured as boto3 is


@dataclass(frozen=True, slots=True)
class StoreLocation:
    """Where objects live: a directory (``file://PATH``) or a bucket and key prefix (``s3://``)."""

    scheme: StoreScheme
    path: str  # the directory, or the bucket
    prefix: str = ""  # s3 only


def parse_store_url(url: str) -> StoreLocation:
    """``file://PATH`` or ``s3://BUCKET[/PREFIX]``; ValueError with the reason otherwise.

    Store URLs never carry credentials: S3 reads them from boto3's own chain.
    """
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise ValueError("must not contain credentials; S3 reads them from AWS_* settings")
    if parts.query or parts.fragment:
        raise ValueError("takes no query or fragment")
    if parts.scheme == StoreScheme.FILE and (parts.path or parts.netloc):
        return StoreLocation(StoreScheme.FILE, unquote(parts.netloc + parts.path))
    if parts.scheme == StoreScheme.S3 and parts.netloc:
        return StoreLocation(StoreScheme.S3, parts.netloc, unquote(parts.path).strip("/"))
    raise ValueError("must be file://PATH or s3://BUCKET[/PREFIX]")


class Settings(BaseSettings):
    """Where the archive lives and how the crawler introduces itself."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    home: Path = Field(default=Path("./archive"), description="home of the embedded defaults")
    database_url: str = Field(default="", description="SQLAlchemy URL of the catalog")
    store_url: str = Field(default="", description="file://PATH or s3://BUCKET/PREFIX")
    outlets: Path | None = Field(default=None, description="outlets file (TOML)")
    user_agent: str = Field(default=DEFAULT_USER_AGENT, description="User-Agent sent by spiders")
    operator: str = Field(
        default="", description="who runs this archive (name, contact), written into exports"
    )
    max_response_size: PositiveInt = Field(
        default=10 * 1024 * 1024, description="bytes; larger responses are aborted"
    )
    download_timeout: PositiveInt = Field(default=30, description="seconds per request")
    stale_after_runs: PositiveInt = Field(
        default=3, description="alert when an outlet yields no new article for this many runs"
    )
    stale_after: Duration = Field(
        default=timedelta(days=2),
        description="... and for this long (90s, 15m, 6h, 3d)",
    )
    max_extraction_failure_rate: float = Field(
        default=0.5, ge=0.0, le=1.0, description="alert when more pages than this fail extraction"
    )
    crawl_deadline: Duration = Field(
        default=timedelta(minutes=15),
        description="a crawl sends no request after this long and files what it has (15m, 1h)",
    )
    crawl_mode: CrawlMode = Field(
        default=CrawlMode.INPROCESS, description="inprocess (asyncio) or subprocess (Twisted)"
    )
    replay: PositiveInt | None = Field(
        default=None,
        description="crawl this day of the bundled offline replica instead of the live sites",
    )
    viewer_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="names the viewer answers to besides its listening address, comma-separated",
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value and value.split(":", 1)[0].split("+", 1)[0] not in {"sqlite", "postgresql"}:
            raise ValueError("must be a sqlite:// or postgresql:// SQLAlchemy URL")
        return value

    @field_validator("crawl_deadline")
    @classmethod
    def _some_time(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be longer than nothing")
        return value

    @field_validator("store_url")
    @classmethod
    def _known_store(cls, value: str) -> str:
        if value:
            parse_store_url(value)
        return value

    @field_validator("viewer_hosts", mode="before")
    @classmethod
    def _host_names(cls, value: object) -> tuple[str, ...]:
        names = value.split(",") if isinstance(value, str) else value
        if not isinstance(names, list | tuple):
            raise ValueError("must be host names separated by commas")
        return tuple(host_name(str(n)) for n in names if str(n).strip())

    @field_validator("outlets")
    @classmethod
    def _outlets_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @model_validator(mode="after")
    def _derive_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.home / 'catalog.db'}"
        if not self.store_url:
            self.store_url = f"file://{(self.home / 'objects').resolve()}"
        return self


def variable(field: str) -> str:
    """The environment variable of a setting: ``replay`` -> ``NEWSARCHIVE_REPLAY``."""
    return f"{ENV_PREFIX}{field.upper()}"


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning the first validation error into one line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "settings"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{variable(field)}: {message}") from None
