"""The crawl child process: ``python -m newsarchive.spiders.child JOB.json``.

It runs the same crawlers as the in-process mode, but under the classic
Twisted reactor, and writes each Fetch to stdout as one JSON line the moment
it is produced, then one line with every outlet's numbers (the robots.txt
files it downloaded among them).  It asks the parent, which holds the
archive, which articles it fetched before: one ``ask`` line out, one line of
validators back on stdin, per discovery document.  Logging goes to stderr,
which the parent process inherits.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsarchive import codec
from newsarchive.errors import CrawlError
from newsarchive.records import Fetch, OutletMemory, Validators
from newsarchive.spiders.inprocess import run_scrapy
from newsarchive.spiders.options import CrawlOptions
from newsarchive.spiders.outlets import Outlet
from newsarchive.spiders.stats import CrawlStats

ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"


@dataclass(frozen=True)
class ChildJob:
    """Everything the child crawls with, written by the parent as one JSON file."""

    outlets: list[Outlet]
    options: CrawlOptions
    memory: dict[str, OutletMemory] = field(default_factory=dict)
    log_level: int = logging.WARNING  # the parent's: the child is as quiet as the command


@dataclass(frozen=True)
class Ask:
    """The child's question to its parent: which of these articles were fetched before."""

    outlet: str
    keys: list[str]


@dataclass(frozen=True)
class Answer:
    """The parent's answer: the validators of those it fetched before."""

    known: dict[str, Validators]


def _emit(fetch: Fetch) -> None:
    sys.stdout.write(json.dumps({"fetch": codec.to_json(fetch)}) + "\n")
    sys.stdout.flush()


def _ask_parent(outlet: str, keys: Sequence[str]) -> dict[str, Validators]:
    """Ask, and wait for the answer: the reactor waits too, for one catalog query."""
    sys.stdout.write(json.dumps({"ask": codec.to_json(Ask(outlet, list(keys)))}) + "\n")
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        raise CrawlError("the parent process stopped answering")
    return codec.from_json(Answer, line).known


async def _run(job: ChildJob) -> dict[str, CrawlStats]:
    return await run_scrapy(
        job.outlets,
        options=job.options,
        emit=_emit,
        known=_ask_parent,
        memory=job.memory,
        reactor=True,
    )


def _numbers(stats: CrawlStats) -> dict[str, Any]:
    """An outlet's numbers as JSON: the codec writes robots.txt files, whose bodies are bytes."""
    return {**dataclasses.asdict(stats), "robots": [codec.to_json(copy) for copy in stats.robots]}


def main(argv: list[str]) -> int:
    """Run the job file named in ``argv``; exit status 0 when every crawl ran."""
    job = codec.from_json(ChildJob, Path(argv[0]).read_bytes())
    logging.basicConfig(level=job.log_level, stream=sys.stderr)

    from scrapy.utils.defer import deferred_from_coro
    from scrapy.utils.reactor import install_reactor

    install_reactor(ASYNCIO_REACTOR)
    from twisted.internet import reactor

    outcome: dict[str, Any] = {}

    def finished(result: Any) -> None:
        outcome["result"] = result
        reactor.stop()  # type: ignore[misc]

    deferred_from_coro(_run(job)).addBoth(finished)
    reactor.run()  # type: ignore[misc]
    result = outcome.get("result")
    if not isinstance(result, dict):
        logging.getLogger(__name__).error("crawl failed: %s", result)
        return 1
    stats = {name: _numbers(numbers) for name, numbers in result.items()}
    sys.stdout.write(json.dumps({"stats": stats}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
