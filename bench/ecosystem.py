"""A loopback news ecosystem for ``fleet.py``: N outlets, each its own host, publishing over time.

A fleet is thousands of small sites, each with its own address, its own
feed and its own pace.  Here outlet ``i`` is the host ``127.1.x.y``
(:func:`address`), so the crawler connects to each outlet's own address,
resolves nothing and keeps one connection pool per host, as it would on the
web.  One asyncio process serves them all: a listening socket per address,
on one port, and the outlet answering a request is the address the
connection came in on (a thread per address, as ``LoopbackServer`` has, would
be 10,000 threads).  Past a few thousand outlets the open-file limit splits
them over several such processes.

Each outlet publishes on a schedule of its own (:func:`ecosystem`): most
outlets publish 1 to 24 articles a day, a few busy ones 10 an hour to one a
minute (log-uniform within each band), and each feed shows the latest 10 to
50 of them: a fixed 30-minute crawl misses what a busy feed pushes out of its
window between two crawls.  Times are *scaled*: the ecosystem runs ``scale``
times faster than the day it models, so a scaled minute is ``60 / scale``
real seconds.  Until the run's clock starts (a line ``start EPOCH`` on the
server's standard input) the clock stands at scaled time 0, so the crawlers'
first crawls of the backlog never race the publishing.

The server answers ``/robots.txt`` (allow all), ``/feed.xml`` (RSS 2.0 of the
window, with ``ETag`` and ``Last-Modified``, 304 to a matching conditional
GET) and ``/news/J.html`` for every article published so far (small HTML
pages, 6-20 paragraphs built from the seed texts by ``newssite``, each with a
fixed ``ETag``).  Every request is counted by the strategy that sent it
(its User-Agent names it), by the run's phase (:class:`Timeline`) and by kind;
``report`` on standard input prints the counts as one JSON line.

Usage (as ``fleet.py`` starts it, one process per slice of :func:`outlets_per_server`
outlets): ``python bench/ecosystem.py PLAN.json [FIRST COUNT]``.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import math
import random
import resource
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path

from aiohttp import web
from newssite import article_paragraphs, seed_sentences

HOSTS_PER_OCTET = 250
BUSY_PER_DAY = (240.0, 1440.0)  # 10 an hour to one a minute
QUIET_PER_DAY = (1.0, 24.0)
WINDOW = (10, 50)
STRATEGIES = ("fleet", "cron")
PHASES = ("warm-up", "publishing", "drain", "quiet", "after")


def address(index: int) -> str:
    """Outlet ``index``'s own loopback address: 127.1.0.1, 127.1.0.2, ... 127.1.255.250."""
    high, low = divmod(index, HOSTS_PER_OCTET)
    if high > 255:
        raise ValueError(f"at most {256 * HOSTS_PER_OCTET} outlets have an address of their own")
    return f"127.1.{high}.{low + 1}"


@dataclass(frozen=True)
class Timeline:
    """The run's phases in scaled seconds after the clock starts, and the scale.

    ``publishing`` is the span whose articles count for coverage; in the
    ``drain`` nothing is published and the crawlers catch up (it lasts at
    least the outlets' longest poll interval); in ``quiet`` nothing is
    published either: the polls that find nothing are measured there.
    """

    scale: float
    publishing: float
    drain: float
    quiet: float

    @property
    def ends(self) -> tuple[float, float, float]:
        """Scaled ends of publishing, drain and quiet."""
        return (
            self.publishing,
            self.publishing + self.drain,
            self.publishing + self.drain + self.quiet,
        )

    def phase(self, scaled: float | None) -> str:
        """The phase at a scaled time; None: before the clock started."""
        if scaled is None:
            return PHASES[0]
        for name, end in zip(PHASES[1:], self.ends, strict=False):
            if scaled < end:
                return name
        return PHASES[-1]


@dataclass(frozen=True)
class OutletSpec:
    """One outlet: its address, pace, window and the scaled times it publishes at."""

    index: int
    per_day: float
    window: int
    published: tuple[float, ...]  # scaled seconds after the clock starts, ascending

    @property
    def name(self) -> str:
        return f"outlet-{self.index:05d}"

    @property
    def address(self) -> str:
        return address(self.index)


def ecosystem(
    outlets: int, seed: int, busy_share: float, backlog: float, publishing: float
) -> list[OutletSpec]:
    """The outlets and when each publishes: a Poisson process over ``[-backlog, publishing)``.

    Every outlet has at least one article before the clock starts (a feed
    is never empty), at most a window of them: the backlog the crawlers'
    first crawls archive.  One seeded generator makes every choice.
    """
    rng = random.Random(seed)
    specs = []
    for index in range(outlets):
        low, high = BUSY_PER_DAY if rng.random() < busy_share else QUIET_PER_DAY
        per_day = math.exp(rng.uniform(math.log(low), math.log(high)))
        window = rng.randint(*WINDOW)
        gap = 86400.0 / per_day
        before = [-rng.expovariate(1 / gap)]  # newest first
        while len(before) < window:
            older = before[-1] - rng.expovariate(1 / gap)
            if older <= -backlog:
                break
            before.append(older)
        after: list[float] = []
        moment = rng.expovariate(1 / gap)
        while moment < publishing:
            after.append(moment)
            moment += rng.expovariate(1 / gap)
        specs.append(OutletSpec(index, per_day, window, (*reversed(before), *after)))
    return specs


@dataclass(frozen=True)
class Plan:
    """What the server and the crawlers share: the ecosystem's parameters and the timeline."""

    outlets: int
    seed: int
    busy_share: float
    backlog: float  # scaled seconds of history before the clock starts
    port: int
    timeline: Timeline

    def specs(self) -> list[OutletSpec]:
        return ecosystem(
            self.outlets, self.seed, self.busy_share, self.backlog, self.timeline.publishing
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Plan:
        """The plan in ``text``; fields a bench adds to its own plan are left out."""
        data = json.loads(text)
        own = {f.name: data[f.name] for f in fields(Plan)}
        return cls(**{**own, "timeline": Timeline(**data["timeline"])})


def article_path(number: int) -> str:
    return f"/news/{number}.html"


class Ecosystem:
    """The outlets' answers at the current scaled time, and the counts of what was asked."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.specs = plan.specs()
        self.by_address = {spec.address: spec for spec in self.specs}
        self.opened = time.time()  # the backlog was published before this moment
        self.started: float | None = None  # real epoch seconds of scaled time 0
        self.counts: Counter[str] = Counter()  # "strategy phase kind" -> requests
        self.sentences = seed_sentences()

    def now(self) -> float | None:
        """Scaled seconds since the clock started; None before it did."""
        if self.started is None:
            return None
        return max(0.0, (time.time() - self.started) * self.plan.timeline.scale)

    def real(self, scaled: float) -> datetime:
        """The real moment of a scaled time: the backlog's before the server opened, the
        rest after the clock started, so no article's date moves while the clock stands."""
        origin = self.opened if scaled < 0 or self.started is None else self.started
        return datetime.fromtimestamp(origin + scaled / self.plan.timeline.scale, UTC)

    def answer(self, request: web.Request) -> web.Response:
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        spec = self.by_address.get(sockname[0]) if sockname else None
        agent = request.headers.get("User-Agent", "")
        strategy = next((s for s in STRATEGIES if s in agent), "other")
        scaled = self.now()
        if spec is None or request.host.split(":")[0] != spec.address:
            self._count(strategy, scaled, "wrong-host")
            return web.Response(status=421)
        published = bisect.bisect_right(spec.published, scaled or 0.0)
        if request.path == "/robots.txt":
            self._count(strategy, scaled, "robots")
            return web.Response(text="User-agent: *\nAllow: /\n")
        if request.path == "/feed.xml":
            return self._feed(request, spec, published, strategy, scaled)
        number = _article_number(request.path)
        if number is None or number >= published:
            self._count(strategy, scaled, "not-found")
            return web.Response(status=404)
        etag = f'"{spec.index}-{number}"'
        if _unchanged(request, etag, None):
            self._count(strategy, scaled, "article-304")
            return web.Response(status=304, headers={"ETag": etag})
        self._count(strategy, scaled, "article-200")
        return web.Response(
            body=self._page(spec, number), content_type="text/html", headers={"ETag": etag}
        )

    def _count(self, strategy: str, scaled: float | None, kind: str) -> None:
        self.counts[f"{strategy} {self.plan.timeline.phase(scaled)} {kind}"] += 1

    def _feed(
        self,
        request: web.Request,
        spec: OutletSpec,
        published: int,
        strategy: str,
        scaled: float | None,
    ) -> web.Response:
        etag = f'"{spec.index}-{published}"'
        modified = format_datetime(self.real(spec.published[published - 1]), usegmt=True)
        validators = {"ETag": etag, "Last-Modified": modified}
        if _unchanged(request, etag, modified):
            self._count(strategy, scaled, "feed-304")
            return web.Response(status=304, headers=validators)
        self._count(strategy, scaled, "feed-200")
        base = f"http://{spec.address}:{self.plan.port}"
        items = "".join(
            f"<item><title>Story {number} of {spec.name}</title>"
            f"<link>{base}{article_path(number)}</link>"
            f"<guid>{base}{article_path(number)}</guid>"
            f"<pubDate>{format_datetime(self.real(spec.published[number]), usegmt=True)}</pubDate>"
            "</item>"
            for number in reversed(range(max(0, published - spec.window), published))
        )
        body = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{spec.name}</title><link>{base}/</link>{items}</channel></rss>"
        )
        return web.Response(
            body=body.encode(), content_type="application/rss+xml", headers=validators
        )

    def _page(self, spec: OutletSpec, number: int) -> bytes:
        """The article: built again on each full answer, the same bytes every time."""
        rng = random.Random(spec.index * 1_000_003 + number)
        paragraphs = "".join(f"<p>{escape(p)}</p>" for p in article_paragraphs(rng, self.sentences))
        title = f"Story {number} of {spec.name}"
        when = self.real(spec.published[number]).isoformat()
        url = f"http://{spec.address}:{self.plan.port}{article_path(number)}"
        return (
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<link rel="canonical" href="{url}">'
            f'<meta property="article:published_time" content="{when}"></head>'
            f"<body><article><h1>{title}</h1>{paragraphs}</article></body></html>"
        ).encode()


def _unchanged(request: web.Request, etag: str, modified: str | None) -> bool:
    """RFC 9110: If-None-Match decides when sent; If-Modified-Since only without it."""
    asked = request.headers.get("If-None-Match")
    if asked is not None:
        return etag in [tag.strip() for tag in asked.split(",")]
    return modified is not None and request.headers.get("If-Modified-Since") == modified


def _article_number(path: str) -> int | None:
    name = path.removeprefix("/news/").removesuffix(".html")
    return int(name) if path.startswith("/news/") and name.isdigit() else None


async def _serve(plan: Plan, first: int, count: int) -> None:
    """Listen on the addresses of outlets ``first`` to ``first + count``, then follow the
    commands on standard input."""
    _more_files()
    state = Ecosystem(plan)
    app = web.Application()

    async def handle(request: web.Request) -> web.Response:
        return state.answer(request)

    app.router.add_get("/{path:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    for spec in state.specs[first : first + count]:
        await web.TCPSite(runner, spec.address, plan.port).start()
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        command = line.split()
        if command[:1] == ["start"]:
            state.started = float(command[1])
        elif command[:1] == ["report"]:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            counts = dict(state.counts)
            cpu = usage.ru_utime + usage.ru_stime
            print(json.dumps({"counts": counts, "cpu_seconds": cpu}), flush=True)
    await runner.cleanup()


FILES_PER_OUTLET = 5
"""A server's open files for one outlet: its listening socket, up to two connections from
each of the two crawlers (an outlet's ``concurrency``)."""


def outlets_per_server() -> int:
    """How many outlets one server process can take within the open-file limit.

    The hard limit cannot be raised without privileges a bench should not
    need, so a larger ecosystem is served by several processes, each
    listening on the addresses of a slice of the outlets.
    """
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return max(100, (hard - 1024) // FILES_PER_OUTLET)


def _more_files() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def counted(
    counts: dict[str, int], strategy: str, phases: Sequence[str], kinds: Sequence[str] = ()
) -> int:
    """Requests of ``strategy`` in ``phases`` (of ``kinds``; every kind when none are named)."""
    total = 0
    for key, value in counts.items():
        who, phase, kind = key.split()
        if who == strategy and phase in phases and (not kinds or kind in kinds):
            total += value
    return total


def main(argv: list[str] | None = None) -> None:
    args = argv if argv is not None else sys.argv[1:]
    plan = Plan.from_json(Path(args[0]).read_text(encoding="utf-8"))
    first, count = (int(args[1]), int(args[2])) if len(args) > 2 else (0, plan.outlets)
    asyncio.run(_serve(plan, first, count))


if __name__ == "__main__":
    main()
