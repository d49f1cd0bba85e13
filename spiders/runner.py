"""The entry point of the crawl room: outlets in, Fetch records out through ``on_fetch``.

Two modes give the same records.  ``inprocess`` runs Scrapy on the caller's
asyncio loop without a Twisted reactor, so a long-lived worker can crawl
again and again.  ``subprocess`` runs the classic Twisted-reactor Scrapy in a
child (``python -m newsarchive.spiders.child``) and streams its records back
as JSON lines: the fallback when the caller's process cannot host Scrapy, or
when Scrapy's asyncio download handler (which Scrapy calls experimental)
misbehaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from scrapy.utils.reactor import is_reactor_installed

from newsarchive import codec
from newsarchive.config import CrawlMode
from newsarchive.errors import ConfigError, NewsarchiveError
from newsarchive.records import Fetch, OutletMemory, RobotsFile
from newsarchive.spiders.child import Answer, Ask, ChildJob
from newsarchive.spiders.documents import checks_from_child
from newsarchive.spiders.guard import Resolver
from newsarchive.spiders.inprocess import Emit, run_scrapy
from newsarchive.spiders.known import Known, ask
from newsarchive.spiders.options import CrawlOptions
from newsarchive.spiders.outlets import Outlet
from newsarchive.spiders.stats import SPIDER_SIDE, CrawlStats

__all__ = ["CrawlOptions", "CrawlStats", "fetch_outlets"]

logger = logging.getLogger(__name__)


async def fetch_outlets(
    outlets: Sequence[Outlet],
    *,
    options: CrawlOptions,
    on_fetch: Emit,
    known: Known | None = None,
    memory: Mapping[str, OutletMemory] | None = None,
    resolver: Resolver | None = None,
) -> dict[str, CrawlStats]:
    """Discover and fetch ``outlets`` once; ``on_fetch`` sees every article fetch as it ends.

    An awaitable returned by ``on_fetch`` holds the crawl back until it is
    done: the receiver's way to say it is full.  ``known`` says which
    articles the archive fetched before (:mod:`newsarchive.spiders.known`);
    ``memory`` what it knows of each outlet before a poll (its documents'
    validators, the articles due for a revisit, its hosts' robots.txt
    files), by outlet name.  The robots.txt files the crawl downloaded come
    back in the outlets' stats (:mod:`newsarchive.spiders.robots`).

    ``resolver`` replaces DNS for the private-address guard (in-process mode
    only; tests use it).  Exceptions raised by ``on_fetch`` are logged and
    counted, never fatal.
    """
    if not outlets:
        return {}
    if options.mode is CrawlMode.INPROCESS:
        if is_reactor_installed():
            raise ConfigError(
                "crawl mode inprocess: a Twisted reactor is already installed in this process;"
                " use NEWSARCHIVE_CRAWL_MODE=subprocess"
            )
        return await run_scrapy(
            outlets,
            options=options,
            emit=on_fetch,
            known=known,
            memory=memory,
            reactor=False,
            resolver=resolver,
        )
    if resolver is not None:
        raise ConfigError("crawl mode subprocess: a custom resolver cannot cross processes")
    return await _fetch_in_child(
        outlets, options=options, on_fetch=on_fetch, known=known, memory=memory
    )


async def _fetch_in_child(
    outlets: Sequence[Outlet],
    *,
    options: CrawlOptions,
    on_fetch: Emit,
    known: Known | None,
    memory: Mapping[str, OutletMemory] | None,
) -> dict[str, CrawlStats]:
    """Run the crawl in a child process and hand its records on here as they arrive."""
    job = ChildJob(
        outlets=list(outlets),
        options=options,
        memory=dict(memory or {}),
        log_level=logging.getLogger().getEffectiveLevel(),
    )
    stats = {outlet.name: CrawlStats() for outlet in outlets}
    with tempfile.TemporaryDirectory(prefix="newsarchive-crawl-") as tmp:
        job_path = Path(tmp) / "job.json"
        job_path.write_bytes(codec.to_json_line(job))
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "newsarchive.spiders.child",
            str(job_path),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2 * options.max_response_size + 1024 * 1024,  # one base64 body per line
        )
        assert child.stdin is not None and child.stdout is not None
        try:
            async for line in child.stdout:
                message = json.loads(line)
                if "ask" in message:
                    await _answer(child.stdin, known, codec.from_json(Ask, message["ask"]))
                else:
                    await _receive(message, stats, on_fetch)
            code = await child.wait()
        finally:
            if child.returncode is None:  # the crawl was cancelled or stopped: so is the child
                child.kill()
                await child.wait()
    if code != 0:
        raise NewsarchiveError(f"crawl child process failed with exit code {code}")
    return stats


async def _answer(to_child: asyncio.StreamWriter, known: Known | None, question: Ask) -> None:
    """Look up what the child asked for, off the event loop, and send it back."""
    found = await asyncio.to_thread(ask, known, question.outlet, question.keys)
    to_child.write(codec.to_json_line(Answer(dict(found))) + b"\n")
    with contextlib.suppress(ConnectionError):  # the child is gone: its exit code says the rest
        await to_child.drain()


async def _receive(message: dict[str, Any], stats: dict[str, CrawlStats], on_fetch: Emit) -> None:
    """Handle one line of the child: a fetch record or an outlet's final numbers."""
    if "fetch" in message:
        fetch = codec.from_json(Fetch, message["fetch"])
        outlet_stats = stats[fetch.outlet]
        outlet_stats.count(fetch)
        try:
            handed = on_fetch(fetch)
            if handed is not None:
                await handed  # a full receiver: the child's output waits in its pipe
        except Exception:
            outlet_stats.callback_errors += 1
            logger.exception("on_fetch failed for %s (%s)", fetch.url, fetch.outcome)
    elif "stats" in message:
        for name, numbers in message["stats"].items():
            for key in SPIDER_SIDE:  # outcome counters were counted here, as received
                setattr(stats[name], key, numbers[key])
            stats[name].documents = checks_from_child(numbers["documents"])
            stats[name].robots = tuple(codec.from_json(RobotsFile, r) for r in numbers["robots"])
