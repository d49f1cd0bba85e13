"""What the command line lets through to stderr: by default, nothing but its own lines.

A crawl runs Scrapy and a Prefect flow (and, without ``PREFECT_API_URL``, a
temporary Prefect server), each of which logs generously.  A user running a
command reads its table and its one-line errors; ``-v``/``-vv`` or
``NEWSARCHIVE_LOG_LEVEL`` bring the logs back, Prefect's included
(:func:`newsarchive.flows.environment.quiet_prefect`, before any command
imports Prefect).
"""

from __future__ import annotations

import logging
import os

from newsarchive.errors import ConfigError
from newsarchive.flows.environment import quiet_prefect

LEVELS = ("QUIET", "CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


def chosen_level(verbose: int) -> str:
    """``-v`` INFO, ``-vv`` DEBUG, else NEWSARCHIVE_LOG_LEVEL, else QUIET (only our own lines)."""
    if verbose:
        return "DEBUG" if verbose > 1 else "INFO"
    name = os.environ.get("NEWSARCHIVE_LOG_LEVEL", "QUIET").strip().upper()
    if name not in LEVELS:
        raise ConfigError(
            f"NEWSARCHIVE_LOG_LEVEL: must be one of {', '.join(LEVELS)}, not {name!r}"
        )
    return name


def configure(level: str) -> None:
    """Let log records of ``level`` and above reach stderr, Prefect's and Scrapy's included."""
    shown = "CRITICAL" if level == "QUIET" else level
    handler = logging.StreamHandler()
    handler.setLevel(shown)  # records propagated from other loggers skip the root's own level
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=shown, handlers=[handler])
    quiet_prefect(shown)


def showing_tracebacks() -> bool:
    """Whether the user asked for logs (-v or a level of INFO or below), and so for tracebacks."""
    return logging.getLogger().getEffectiveLevel() <= logging.INFO
