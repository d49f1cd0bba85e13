"""The fleet scheduler against a fixed 30-minute cron, side by side on one loopback ecosystem.

``ecosystem.py`` serves N outlets, each on its own loopback address, publishing
on schedules of their own, ``--scale`` times faster than the day it models.
Two crawlers, each a process of its own with an archive of its own, crawl it
at once:

- **fleet**: the product's fleet cycle, ``newsarchive.archiving.fleet.poll_due``
  as the ``crawl-fleet`` flow runs it (an archive opened and a worker pool
  started per cycle), started every scaled minute (``--tick``) and at once
  again when a cycle ran longer.  It calls the library, not ``newsarchive
  crawl --due``: the command adds a process start and a Prefect flow run to
  every cycle, a fixed cost (``orchestration.py`` measures it) that would
  hide the fleet's own per-outlet cost, and it could not scale the one time
  constant no outlet field sets, ``schedule.FIRST_INTERVAL`` (the gap after an
  outlet's first poll), which this process divides by the scale as it does
  every other time parameter.
- **cron**: every outlet crawled every ``--cron`` scaled minutes with the
  semantics of ``newsarchive crawl``: ``archive_outlets`` without polling, so
  every listed article is fetched again, conditionally.  A cycle that runs
  past its next slot makes the cron skip that slot (counted).

Every time parameter is scaled alike: the outlets' ``min_interval`` (5 min),
``max_interval`` (``--max-interval``), ``revisits`` and ``stale_after`` (the
product's defaults) and ``download_delay`` (1 s), the cron's period and the
fleet's tick.  The run, in scaled time after a warm-up:

1. **warm-up**: the clock stands still while each crawler's first crawl
   archives the backlog (each feed's articles of the last ``--backlog``
   hours, at least one).
2. **publishing** (``--publish`` hours): articles appear; these count for
   coverage and capture delay.
3. **drain** (``--max-interval`` and a quarter more): nothing is published;
   every outlet is polled at least once more.
4. **quiet** (``--quiet`` hours): nothing is published; the CPU of a poll that
   finds nothing is measured here.
5. **full cycle** (fleet only): every outlet made due at once, one cycle over
   all N with nothing new (the cron's quiet cycles are that already).

Figures, per crawler: coverage (articles published in the publishing phase and
archived by the end of the drain / articles published then; a run cut short by
``--time-limit`` counts those published a drain before it stopped); capture delay
p50/p95 (the article's first capture ``fetched_at`` minus its publication, in
scaled minutes); requests per archived article (the server's count of every
request of the crawler in publishing and drain, over the articles it archived
then); CPU per poll that found nothing new (the CPU of the crawler's whole
process tree, its worker processes included, over the quiet phase's cycles,
divided by their polls that archived nothing new); the wall time of a cycle
over all N outlets with nothing new; the peak summed RSS, the peak PSS and
the most open files of the process tree (sampled every ``--sample`` s), over
the whole run and after the warm-up.  The
project's targets stand beside them.  The machine's load average is sampled
too: wall times stretch with other work, CPU figures much less.

Usage: ``python bench/fleet.py [--outlets 200] [--scale 60] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import resource
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import numpy
from ecosystem import PHASES, OutletSpec, Plan, Timeline, counted, outlets_per_server
from throughput import descendants, tree_memory

from newsarchive.archiving import schedule
from newsarchive.archiving.fleet import poll_due
from newsarchive.archiving.report import OutletReport
from newsarchive.archiving.run import archive_outlets
from newsarchive.archiving.work import worker_pool
from newsarchive.config import Settings
from newsarchive.spiders.options import CrawlOptions
from newsarchive.spiders.outlets import DEFAULT_REVISITS, Outlet, load_outlets
from newsarchive.storage import Archive

HERE = Path(__file__).resolve().parent
MINUTE = 60.0
HOUR = 3600.0
MIN_INTERVAL = 5 * MINUTE  # the product's default, scaled like the rest
STALE_AFTER = 48 * HOUR
DOWNLOAD_DELAY = 1.0
DRAIN_SHARE = 1.25  # the drain lasts this many longest poll intervals
AGENT = "newsarchive-bench-{strategy}/1.0 (+https://example.org/bench)"

TARGET_EMPTY_POLL_MS = 20.0
TARGET_CYCLE_SECONDS_AT_10000 = 180.0
TARGET_PEAK_MB = 1024.0
TARGET_COVERAGE = 0.995
TARGET_CRON_MISSES = 0.05


@dataclass(frozen=True)
class BenchPlan(Plan):
    """The ecosystem's plan and the crawlers' own periods, in scaled seconds."""

    tick: float = MINUTE
    cron_period: float = 30 * MINUTE
    max_interval: float = 2 * HOUR

    @classmethod
    def load(cls, path: Path) -> BenchPlan:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(**{**data, "timeline": Timeline(**data["timeline"])})


# -- the crawlers (each runs as `fleet.py --crawler STRATEGY ...`, a process of its own) --------


@dataclass
class Cycle:
    """One crawl cycle of one crawler, as it reports it."""

    strategy: str
    phase: str
    started: float  # epoch seconds
    ended: float
    cpu_seconds: float  # the crawler's process and its reaped children (the worker pool)
    polled: int = 0
    empty: int = 0  # polls that archived nothing new
    new: int = 0
    fetched: int = 0
    revisits: int = 0  # known articles asked for again (answered 304, or the same or new text)
    failed_outlets: int = 0
    skipped_slots: int = 0  # cron: slots missed while the cycle before still ran

    @property
    def seconds(self) -> float:
        return self.ended - self.started


def _tree_cpu() -> float:
    """CPU seconds of this process and of its children that have been reaped."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + reaped.ru_utime + reaped.ru_stime


def _counted(cycle: Cycle, reports: Sequence[OutletReport]) -> Cycle:
    for report in reports:
        counts = report.counts()
        cycle.polled += 1
        cycle.empty += counts.new == 0
        cycle.new += counts.new
        cycle.fetched += counts.fetched
        cycle.revisits += counts.unchanged + counts.updated
        cycle.failed_outlets += report.failure() is not None
    return cycle


def _emit(record: dict[str, Any]) -> None:
    print(json.dumps(record), flush=True)


class Crawler:
    """One strategy's crawl cycles on its own archive."""

    def __init__(self, strategy: str, plan: BenchPlan, home: Path, outlets_file: Path) -> None:
        self.strategy = strategy
        self.plan = plan
        self.settings = Settings(home=home, user_agent=AGENT.format(strategy=strategy))
        self.options = CrawlOptions.from_settings(self.settings)
        self.outlets: list[Outlet] = load_outlets(outlets_file)
        self.started: float | None = None  # epoch of scaled time 0

    def phase(self, moment: float) -> str:
        if self.started is None:
            return PHASES[0]
        return self.plan.timeline.phase((moment - self.started) * self.plan.timeline.scale)

    async def cycle(self, phase: str | None = None) -> Cycle:
        started, cpu = time.time(), _tree_cpu()
        archive = await asyncio.to_thread(
            Archive.open, self.settings.database_url, self.settings.store_url
        )
        try:
            with worker_pool(os.cpu_count() or 1) as pool:
                if self.strategy == "fleet":
                    run = await poll_due(
                        archive, self.outlets, self.options, self.settings, extract_pool=pool
                    )
                    reports: Sequence[OutletReport] = run.reports
                else:
                    crawled = await archive_outlets(
                        self.outlets, archive, self.options, extract_pool=pool
                    )
                    reports = list(crawled.values())
        finally:
            archive.close()
        ended = time.time()
        record = Cycle(self.strategy, phase or self.phase(started), started, ended, 0.0)
        record.cpu_seconds = _tree_cpu() - cpu
        return _counted(record, reports)

    async def run(self) -> None:
        """Warm up, wait for the clock, crawl until the quiet phase ends; then the full cycle."""
        _emit({"event": "warm", **asdict(await self.cycle())})
        line = await asyncio.to_thread(sys.stdin.readline)
        self.started = float(line.split()[1])
        timeline = self.plan.timeline
        end = self.started + timeline.ends[-1] / timeline.scale
        if self.strategy == "fleet":
            await self._fleet(end)
            _make_all_due(self.settings.database_url)
            _emit({"event": "cycle", **asdict(await self.cycle("full"))})
        else:
            await self._cron(end)
        _emit({"event": "done"})

    async def _fleet(self, end: float) -> None:
        assert self.started is not None
        tick = self.plan.tick / self.plan.timeline.scale
        next_start = self.started
        while next_start < end:
            await asyncio.sleep(max(0.0, next_start - time.time()))
            next_start = time.time() + tick
            _emit({"event": "cycle", **asdict(await self.cycle())})

    async def _cron(self, end: float) -> None:
        assert self.started is not None
        period = self.plan.cron_period / self.plan.timeline.scale
        slot = 1
        while (at := self.started + slot * period) < end:
            await asyncio.sleep(max(0.0, at - time.time()))
            record = await self.cycle()
            following = max(slot + 1, math.ceil((time.time() - self.started) / period))
            record.skipped_slots = following - slot - 1
            slot = following
            _emit({"event": "cycle", **asdict(record)})


def _make_all_due(database_url: str) -> None:
    """Every outlet due now, as ``outlets enable`` leaves one: no next due time."""
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as catalog:
        catalog.execute("UPDATE outlet_states SET next_due = NULL")


def crawler_main(strategy: str, plan_file: Path, home: Path, outlets_file: Path) -> None:
    plan = BenchPlan.load(plan_file)
    if strategy == "fleet":  # the gap after a first poll: scaled as every other time parameter
        schedule.FIRST_INTERVAL = schedule.FIRST_INTERVAL / plan.timeline.scale
    asyncio.run(Crawler(strategy, plan, home, outlets_file).run())


# -- the run: server, crawlers, samples ------------------------------------------------------------


def outlets_file(plan: BenchPlan, specs: Sequence[OutletSpec], path: Path) -> Path:
    """The outlets file both crawlers read: every time parameter divided by the scale."""
    scale = plan.timeline.scale
    revisits = ", ".join(f"{step.total_seconds() / scale:g}" for step in DEFAULT_REVISITS)
    tables = [
        f'[[outlet]]\nname = "{spec.name}"\nkind = "feed"\n'
        f'start_urls = ["http://{spec.address}:{plan.port}/feed.xml"]\n'
        f'allowed_domains = ["{spec.address}"]\n'
        f"min_interval = {MIN_INTERVAL / scale:g}\nmax_interval = {plan.max_interval / scale:g}\n"
        f"revisits = [{revisits}]\nstale_after = {STALE_AFTER / scale:g}\n"
        f"download_delay = {DOWNLOAD_DELAY / scale:g}\n"
        for spec in specs
    ]
    path.write_text("\n".join(tables), encoding="utf-8")
    return path


@dataclass
class Sample:
    at: float  # epoch seconds
    rss: int  # bytes, summed over the tree
    pss: int
    files: int  # open file descriptors, summed over the tree


@dataclass
class Child:
    """A child process whose standard output lines are gathered as they come."""

    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    seen: threading.Condition = field(default_factory=threading.Condition)
    reader: threading.Thread | None = None

    def gather(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self.seen:
                self.lines.append(line)
                self.seen.notify_all()

    def wait_for(self, prefix: str, deadline: float) -> str | None:
        """The first line starting with ``prefix``; None once the child ended without it."""
        while True:
            with self.seen:
                found = next((line for line in self.lines if line.startswith(prefix)), None)
                if found or time.time() > deadline:
                    return found
                if self.process.poll() is None:
                    self.seen.wait(0.5)
                    continue
            if self.reader is not None and self.reader.is_alive():
                self.reader.join(5)  # its last lines may still be on their way
                continue
            return None

    def say(self, line: str) -> None:
        stdin: IO[str] | None = self.process.stdin
        assert stdin is not None
        stdin.write(line + "\n")
        stdin.flush()

    def close(self) -> None:
        """Close its standard input (the server's cue to stop) and wait for it."""
        stdin: IO[str] | None = self.process.stdin
        assert stdin is not None
        stdin.close()
        self.process.wait(30)

    def records(self) -> list[dict[str, Any]]:
        with self.seen:
            return [json.loads(line) for line in self.lines if line.startswith("{")]


def _start(command: list[str], env: dict[str, str], log: Path | None = None) -> Child:
    """Start a child; what it logs goes to ``log`` (else here)."""
    errors = log.open("w", encoding="utf-8") if log else None
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            env=env,
            start_new_session=True,  # its own process group: its workers stop with it
        )
    finally:
        if errors is not None:
            errors.close()
    child = Child(process)
    child.reader = threading.Thread(target=child.gather, daemon=True)
    child.reader.start()
    return child


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _open_files(pids: Sequence[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += sum(1 for _ in Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
    return total


def _sample(crawlers: dict[str, Child], every: float, done: threading.Event) -> dict[str, Any]:
    """Memory and open files of each crawler's tree, and the load average, until ``done``."""
    series: dict[str, list[Sample]] = {name: [] for name in crawlers}
    loads: list[float] = []
    servers: set[int] = set()

    def sample() -> None:
        while not done.wait(every):
            loads.append(os.getloadavg()[0])
            for name, child in crawlers.items():
                if child.process.poll() is not None:
                    continue
                root = child.process.pid
                memory = tree_memory(root, servers)
                files = _open_files(descendants(root))
                series[name].append(Sample(time.time(), memory.rss, memory.pss, files))

    threading.Thread(target=sample, daemon=True).start()
    return {"series": series, "loads": loads}


def _stop(child: Child) -> None:
    """End a crawler that ran past the time limit, and the workers of its process group."""
    if child.process.poll() is None:
        os.killpg(child.process.pid, signal.SIGTERM)
        try:
            child.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(child.process.pid, signal.SIGKILL)
            child.process.wait()


@dataclass
class Measured:
    """What one run gathered, before the figures are worked out."""

    plan: BenchPlan
    specs: Sequence[OutletSpec]
    started: float | None  # epoch of scaled time 0; None: the warm-up never ended
    cycles: dict[str, list[Cycle]]
    samples: dict[str, list[Sample]]
    loads: list[float]
    server: dict[str, Any]  # its request counts and CPU seconds
    captures: dict[str, dict[str, float]]  # crawler -> article URL -> its first capture, epoch
    duplicates: dict[str, int]  # crawler -> pages filed as duplicates of others (none are)
    logs: dict[str, list[str]]  # crawler or server -> the last lines it logged
    finished: bool
    stopped: float  # epoch when the crawlers stopped
    seconds: float


def run(
    plan: BenchPlan, strategies: Sequence[str], every: float, limit: float, keep: Path | None
) -> Measured:
    """Serve the ecosystem, run the crawlers side by side, gather what they reported."""
    with tempfile.TemporaryDirectory(prefix="fleet-bench-") as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        return _run_in(folder, plan, strategies, every, limit)


def _run_in(
    folder: Path, plan: BenchPlan, strategies: Sequence[str], every: float, limit: float
) -> Measured:
    begun = time.time()
    deadline = begun + limit
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSARCHIVE_", "PREFECT_"))}
    plan_file = folder / "plan.json"
    plan_file.write_text(plan.to_json(), encoding="utf-8")
    specs = plan.specs()
    outlets = outlets_file(plan, specs, folder / "outlets.toml")
    share = outlets_per_server()
    servers = [
        _start(
            [sys.executable, str(HERE / "ecosystem.py"), str(plan_file), str(first), str(share)],
            env,
            folder / f"server-{first // share}.log",
        )
        for first in range(0, plan.outlets, share)
    ]
    if not all(server.wait_for("ready", deadline) for server in servers):
        sys.exit(f"bench: the ecosystem's servers did not start; see {folder}/server-*.log")
    archives = {name: folder / name for name in strategies}
    logs = {name: folder / f"{name}.log" for name in strategies}
    crawlers = {
        name: _start(
            [
                *(sys.executable, str(HERE / "fleet.py"), "--crawler", name),
                *(str(plan_file), str(archives[name]), str(outlets)),
            ],
            env,
            logs[name],
        )
        for name in strategies
    }
    done = threading.Event()
    sampled = _sample(crawlers, every, done)
    started = None
    try:
        if all(crawlers[name].wait_for('{"event": "warm"', deadline) for name in strategies):
            started = time.time() + 1.0
            for child in (*servers, *crawlers.values()):
                child.say(f"start {started}")
            print(f"warm-up done in {started - begun:.0f} s; the clock starts", flush=True)
        finished = started is not None and all(
            child.wait_for('{"event": "done"', deadline) for child in crawlers.values()
        )
    finally:
        done.set()
        for child in crawlers.values():
            _stop(child)
        stopped = time.time()
    counts: Counter[str] = Counter()
    server_cpu = 0.0
    for server in servers:
        server.say("report")
        report = server.wait_for('{"counts"', time.time() + 60)
        server.close()
        if report:
            answer = json.loads(report)
            counts.update(answer["counts"])
            server_cpu += answer["cpu_seconds"]
    captures, duplicates = {}, {}
    for name, home in archives.items():
        captures[name], duplicates[name] = _first_captures(home / "catalog.db")
    return Measured(
        plan=plan,
        specs=specs,
        started=started,
        cycles={name: _cycles(child) for name, child in crawlers.items()},
        samples=sampled["series"],
        loads=sampled["loads"],
        server={"counts": dict(counts), "cpu_seconds": server_cpu, "processes": len(servers)},
        captures=captures,
        duplicates=duplicates,
        logs={name: _tail(path) for name, path in logs.items()}
        | {log.stem: _tail(log) for log in sorted(folder.glob("server-*.log"))},
        finished=finished,
        stopped=stopped,
        seconds=time.time() - begun,
    )


def _cycles(child: Child) -> list[Cycle]:
    return [
        Cycle(**{k: v for k, v in record.items() if k != "event"})
        for record in child.records()
        if record.get("event") in ("warm", "cycle")
    ]


def _tail(log: Path, lines: int = 20) -> list[str]:
    if not log.exists():
        return []
    return log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]


# -- the figures -----------------------------------------------------------------------------------


@dataclass
class Figures:
    """One crawler's figures, and the numbers they come from."""

    strategy: str
    published: int = 0  # in the publishing phase
    covered: int = 0  # ... and archived by the end of the drain
    by_hour: list[list[int]] = field(default_factory=list)  # [published, covered] a scaled hour
    missed_sample: list[str] = field(default_factory=list)
    delay_p50_min: float | None = None  # scaled minutes
    delay_p95_min: float | None = None
    archived_in_window: int = 0  # articles first archived in publishing and drain
    requests_in_window: int = 0  # every request of the crawler then
    quiet_cpu_seconds: float = 0.0  # of the quiet cycles that polled
    quiet_polls: int = 0
    quiet_empty_polls: int = 0
    quiet_revisits: int = 0
    fit_ms: tuple[float, float, float] | None = None  # quiet CPU: a poll, a revisit, a cycle
    idle_cycles: int = 0  # quiet cycles that found nothing due
    idle_cpu_seconds: float = 0.0  # ... and what they cost, all together
    full_cycle_seconds: float | None = None  # a cycle over all N outlets with nothing new
    full_cycle_cpu_seconds: float | None = None
    full_cycle_polls: int = 0
    peak_rss_mb: float = 0.0
    peak_pss_mb: float = 0.0
    peak_open_files: int = 0
    later_peak_rss_mb: float = 0.0  # after the warm-up: polls of a fleet in its stride
    later_peak_pss_mb: float = 0.0
    cycles: int = 0
    skipped_slots: int = 0
    warm_up_seconds: float | None = None
    duplicates: int = 0  # articles the archive filed as duplicates of others (there are none)

    @property
    def coverage(self) -> float | None:
        return self.covered / self.published if self.published else None

    @property
    def requests_per_article(self) -> float | None:
        if not self.archived_in_window:
            return None
        return self.requests_in_window / self.archived_in_window

    @property
    def empty_poll_ms(self) -> float | None:
        """CPU of the quiet cycles that polled, per poll that found nothing new."""
        if not self.quiet_empty_polls:
            return None
        return 1000 * self.quiet_cpu_seconds / self.quiet_empty_polls

    @property
    def empty_poll_apart_ms(self) -> float | None:
        """The same with the revisits' share taken out: revisits are work of their own, on
        their own schedule, that the quiet phase's cycles happen to do beside the polls."""
        if not self.quiet_empty_polls or self.fit_ms is None:
            return None
        revisits_ms = self.fit_ms[1] * self.quiet_revisits
        return (1000 * self.quiet_cpu_seconds - revisits_ms) / self.quiet_empty_polls

    @property
    def idle_cycle_ms(self) -> float | None:
        """CPU of a fleet cycle that found nothing due: the roster synced, nothing claimed."""
        return 1000 * self.idle_cpu_seconds / self.idle_cycles if self.idle_cycles else None


def _first_captures(catalog: Path) -> tuple[dict[str, float], int]:
    """Article URL -> epoch of its first capture, and how many were filed as duplicates."""
    if not catalog.exists():
        return {}, 0
    with sqlite3.connect(f"file:{catalog}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT url, MIN(fetched_at) FROM fetches WHERE archive_outcome = 'new' GROUP BY url"
        ).fetchall()
        duplicates = db.execute(
            "SELECT COUNT(*) FROM fetches WHERE archive_outcome = 'duplicate'"
        ).fetchone()[0]
    first = {url: datetime.fromisoformat(at).replace(tzinfo=UTC).timestamp() for url, at in rows}
    return first, int(duplicates)


def _article(url: str, by_address: dict[str, OutletSpec]) -> tuple[OutletSpec, int] | None:
    parts = urlsplit(url)
    spec = by_address.get(parts.hostname or "")
    name = parts.path.removeprefix("/news/").removesuffix(".html")
    return (spec, int(name)) if spec is not None and name.isdigit() else None


def _percentile(values: Sequence[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _fit(cycles: Sequence[Cycle]) -> tuple[float, float, float] | None:
    """CPU ms of a poll, of a revisit and of a cycle itself, by least squares over cycles
    (``cpu = a * polls + b * revisits + c``); None when the cycles cannot tell them apart."""
    if len(cycles) < 6:
        return None
    terms = numpy.array([[c.polled, c.revisits, 1.0] for c in cycles])
    if numpy.linalg.matrix_rank(terms) < 3:
        return None
    cpu = numpy.array([1000 * c.cpu_seconds for c in cycles])
    (poll, revisit, cycle), *_ = numpy.linalg.lstsq(terms, cpu, rcond=None)
    return float(poll), float(revisit), float(cycle)


def figures(measured: Measured, strategy: str) -> Figures:
    plan, timeline = measured.plan, measured.plan.timeline
    found = Figures(strategy)
    cycles = measured.cycles.get(strategy, [])
    warm = [c for c in cycles if c.phase == PHASES[0]]
    found.warm_up_seconds = warm[0].seconds if warm else None
    found.cycles = len(cycles)
    found.skipped_slots = sum(c.skipped_slots for c in cycles)
    for cycle in cycles:
        if cycle.phase == "quiet" and cycle.polled:
            found.quiet_cpu_seconds += cycle.cpu_seconds
            found.quiet_polls += cycle.polled
            found.quiet_empty_polls += cycle.empty
            found.quiet_revisits += cycle.revisits
        elif cycle.phase == "quiet":
            found.idle_cycles += 1
            found.idle_cpu_seconds += cycle.cpu_seconds
    found.fit_ms = _fit([c for c in cycles if c.phase == "quiet" and c.polled])
    full = [c for c in cycles if c.phase == "full"]
    if strategy == "cron":  # each of its quiet cycles crawls every outlet
        full = [c for c in cycles if c.phase == "quiet" and c.polled == plan.outlets]
    if full:
        found.full_cycle_seconds = statistics.median(c.seconds for c in full)
        found.full_cycle_cpu_seconds = statistics.median(c.cpu_seconds for c in full)
        found.full_cycle_polls = full[0].polled
    series = measured.samples.get(strategy, [])
    if series:
        found.peak_rss_mb = max(s.rss for s in series) / 2**20
        found.peak_pss_mb = max(s.pss for s in series) / 2**20
        found.peak_open_files = max(s.files for s in series)
        later = [s for s in series if measured.started and s.at >= measured.started]
        if later:
            found.later_peak_rss_mb = max(s.rss for s in later) / 2**20
            found.later_peak_pss_mb = max(s.pss for s in later) / 2**20
    counts = measured.server.get("counts", {})
    found.requests_in_window = counted(counts, strategy, ("publishing", "drain"))
    if measured.started is None:
        return found
    first = measured.captures.get(strategy, {})
    found.duplicates = measured.duplicates.get(strategy, 0)
    specs = measured.specs
    by_address = {spec.address: spec for spec in specs}
    # A run cut short counts the articles published a drain before it stopped.
    horizon = min(timeline.ends[1], (measured.stopped - measured.started) * timeline.scale)
    last_counted = min(timeline.publishing, horizon - timeline.drain)
    drained = measured.started + horizon / timeline.scale
    found.archived_in_window = sum(1 for at in first.values() if measured.started <= at < drained)
    captured: dict[tuple[int, int], float] = {}
    for url, at in first.items():
        article = _article(url, by_address)
        if article is not None:
            captured[(article[0].index, article[1])] = at
    delays = []
    for spec in specs:
        for number, scaled in enumerate(spec.published):
            if not 0 <= scaled < last_counted:
                continue
            found.published += 1
            hour = int(scaled // HOUR)
            while len(found.by_hour) <= hour:
                found.by_hour.append([0, 0])
            found.by_hour[hour][0] += 1
            capture = captured.get((spec.index, number))
            if capture is not None and capture < drained:
                found.covered += 1
                found.by_hour[hour][1] += 1
                published = measured.started + scaled / timeline.scale
                delays.append((capture - published) * timeline.scale / MINUTE)
            elif len(found.missed_sample) < 5:
                found.missed_sample.append(f"{spec.name} #{number}")
    found.delay_p50_min = _percentile(delays, 0.5)
    found.delay_p95_min = _percentile(delays, 0.95)
    return found


def _number(value: float | None, form: str) -> str:
    return "n/a" if value is None else format(value, form)


def table(measured: Measured, found: dict[str, Figures]) -> str:
    """Rows of figures, a column per crawler, the project's target beside them."""
    plan = measured.plan
    fleet, cron = found.get("fleet", Figures("fleet")), found.get("cron", Figures("cron"))
    per_outlet_target = TARGET_CYCLE_SECONDS_AT_10000 / 10_000

    def full_cycle(f: Figures) -> str:
        if f.full_cycle_seconds is None:
            return "n/a"
        per = f.full_cycle_seconds / max(1, f.full_cycle_polls)
        return f"{f.full_cycle_seconds:.1f} s ({1000 * per:.1f} ms/outlet)"

    def coverage(f: Figures) -> str:
        return "n/a" if f.coverage is None else f"{100 * f.coverage:.2f} % of {f.published}"

    def hourly(f: Figures) -> str:
        return " / ".join(f"{100 * c / p:.1f}" if p else "n/a" for p, c in f.by_hour) or "n/a"

    def delay(f: Figures) -> str:
        return f"{_number(f.delay_p50_min, '.1f')} / {_number(f.delay_p95_min, '.1f')}"

    def quiet(f: Figures) -> str:
        return f"{_number(f.empty_poll_ms, '.1f')} ({f.quiet_empty_polls} of {f.quiet_polls})"

    def apart(f: Figures) -> str:
        if f.fit_ms is None:
            return "n/a"
        poll, revisit, cycle = f.fit_ms
        return (
            f"{_number(f.empty_poll_apart_ms, '.1f')} ({f.quiet_revisits} revisits;"
            f" fit {poll:.1f} / {revisit:.1f} / {cycle:.0f})"
        )

    rows = [
        ("coverage", coverage(fleet), coverage(cron), f">= {100 * TARGET_COVERAGE:.1f} %"),
        ("coverage % by scaled hour published", hourly(fleet), hourly(cron), ""),
        ("capture delay p50 / p95, scaled min", delay(fleet), delay(cron), ""),
        (
            "requests per archived article",
            f"{_number(fleet.requests_per_article, '.2f')} ({fleet.requests_in_window} req)",
            f"{_number(cron.requests_per_article, '.2f')} ({cron.requests_in_window} req)",
            "fleet's requests <= cron's",
        ),
        (
            "CPU ms per poll that found nothing",
            quiet(fleet),
            quiet(cron),
            f"<= {TARGET_EMPTY_POLL_MS:.0f} ms",
        ),
        ("... revisits apart (fit: poll/revisit/cycle)", apart(fleet), "", ""),
        (
            f"cycle over {plan.outlets} outlets, nothing new",
            full_cycle(fleet),
            full_cycle(cron),
            f"<= 180 s at 10,000 ({1000 * per_outlet_target:.0f} ms/outlet)",
        ),
        (
            "peak RSS / PSS of the tree, MB",
            f"{fleet.peak_rss_mb:.0f} / {fleet.peak_pss_mb:.0f}",
            f"{cron.peak_rss_mb:.0f} / {cron.peak_pss_mb:.0f}",
            f"<= {TARGET_PEAK_MB:.0f} MB",
        ),
        (
            "... after the warm-up",
            f"{fleet.later_peak_rss_mb:.0f} / {fleet.later_peak_pss_mb:.0f}",
            f"{cron.later_peak_rss_mb:.0f} / {cron.later_peak_pss_mb:.0f}",
            "",
        ),
        (
            "CPU ms per cycle with nothing due",
            f"{_number(fleet.idle_cycle_ms, '.1f')} ({fleet.idle_cycles} cycles)",
            "",
            "",
        ),
        ("most open files of the tree", str(fleet.peak_open_files), str(cron.peak_open_files), ""),
        (
            "warm-up crawl (backlog), s",
            _number(fleet.warm_up_seconds, ".0f"),
            _number(cron.warm_up_seconds, ".0f"),
            "",
        ),
        (
            "cycles (cron: slots skipped)",
            str(fleet.cycles),
            f"{cron.cycles} ({cron.skipped_slots})",
            "",
        ),
    ]
    widths = [
        max(len(row[i]) for row in [("figure", "fleet", "cron", "target"), *rows]) for i in range(4)
    ]
    lines = []
    for row in [("figure", "fleet", "cron", "target"), *rows]:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def verdicts(plan: BenchPlan, found: dict[str, Figures]) -> dict[str, bool | None]:
    """Each target: met, missed, or None when this run could not tell."""
    fleet, cron = found.get("fleet"), found.get("cron")
    if fleet is None:
        return {}
    misses = None if cron is None or cron.coverage is None else 1 - cron.coverage
    full = fleet.full_cycle_seconds
    return {
        "empty poll <= 20 ms CPU (revisits apart)": None
        if fleet.empty_poll_apart_ms is None
        else fleet.empty_poll_apart_ms <= TARGET_EMPTY_POLL_MS,
        "cycle over 10,000 outlets <= 3 min (per outlet, scaled to 10,000)": None
        if full is None
        else full / max(1, fleet.full_cycle_polls) * 10_000 <= TARGET_CYCLE_SECONDS_AT_10000,
        # PSS: the forked workers share their parent's pages, which summed RSS counts again
        # for each of them
        "peak memory <= 1 GB (PSS of the tree)": fleet.peak_pss_mb <= TARGET_PEAK_MB
        if fleet.peak_pss_mb
        else None,
        "cron misses >= 5 % (the ecosystem is hard enough)": None
        if misses is None
        else misses >= TARGET_CRON_MISSES,
        "coverage >= 99.5 %": None if fleet.coverage is None else fleet.coverage >= TARGET_COVERAGE,
        "no more requests than the cron": None
        if cron is None or not cron.requests_in_window
        else fleet.requests_in_window <= cron.requests_in_window,
    }


# -- the command line ------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--outlets", type=int, default=200, help="outlets (default 200)")
    parser.add_argument("--scale", type=float, default=60.0, help="scaled seconds a second (60)")
    parser.add_argument("--publish", type=float, default=3.0, help="scaled hours of publishing (3)")
    parser.add_argument("--quiet", type=float, default=1.0, help="scaled hours of quiet (1)")
    parser.add_argument(
        "--max-interval", type=float, default=2.0, help="outlets' max_interval, hours (2)"
    )
    parser.add_argument(
        "--backlog", type=float, default=6.0, help="hours of articles in the feeds at start (6)"
    )
    parser.add_argument("--busy-share", type=float, default=0.05, help="share of busy outlets")
    parser.add_argument("--cron", type=float, default=30.0, help="the cron's period, minutes (30)")
    parser.add_argument("--tick", type=float, default=1.0, help="fleet cycle start, minutes (1)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--only", choices=("fleet", "cron"), help="run one crawler instead of both side by side"
    )
    parser.add_argument("--sample", type=float, default=1.0, help="seconds between samples (1)")
    parser.add_argument(
        "--time-limit", type=float, default=120.0, help="real minutes before the run is cut (120)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument(
        "--keep", type=Path, help="keep the archives, crawler logs and outlets file in this folder"
    )
    parser.add_argument("--crawler", nargs=4, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.crawler:
        strategy, plan_file, home, outlets = args.crawler
        crawler_main(strategy, Path(plan_file), Path(home), Path(outlets))
        return
    if args.outlets < 1 or args.scale <= 0:
        parser.error("--outlets and --scale must be positive")
    timeline = Timeline(
        scale=args.scale,
        publishing=args.publish * HOUR,
        drain=max(args.max_interval * HOUR, args.cron * MINUTE) * DRAIN_SHARE,
        quiet=args.quiet * HOUR,
    )
    plan = BenchPlan(
        outlets=args.outlets,
        seed=args.seed,
        busy_share=args.busy_share,
        backlog=args.backlog * HOUR,
        port=_free_port("127.1.0.1"),
        timeline=timeline,
        tick=args.tick * MINUTE,
        cron_period=args.cron * MINUTE,
        max_interval=args.max_interval * HOUR,
    )
    strategies = [args.only] if args.only else ["fleet", "cron"]
    real_minutes = timeline.ends[-1] / args.scale / MINUTE
    print(
        f"{args.outlets} outlets at x{args.scale:g}: {real_minutes:.1f} real minutes after the"
        f" warm-up; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    measured = run(plan, strategies, args.sample, args.time_limit * MINUTE, args.keep)
    found = {name: figures(measured, name) for name in strategies}
    print(table(measured, found))
    loads = measured.loads or [os.getloadavg()[0]]
    print(
        f"took {measured.seconds / MINUTE:.1f} real minutes"
        f"{'' if measured.finished else ' (cut: the run did not finish)'}; load average"
        f" {min(loads):.2f}-{max(loads):.2f}, mean {statistics.fmean(loads):.2f};"
        f" server CPU {measured.server.get('cpu_seconds', 0):.0f} s"
    )
    for name, lines in measured.logs.items():
        if lines and (name.startswith("server") or not measured.finished):
            print(f"{name} logged, at the end:", *lines, sep="\n  ")
    checks = verdicts(plan, found)
    for target, met in checks.items():
        print(f"  {target}: {'n/a' if met is None else 'met' if met else 'MISSED'}")
    if args.json:
        document = {
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "cores": os.cpu_count(),
            "driver": "library: newsarchive.archiving.fleet.poll_due; cron: archive_outlets",
            "plan": asdict(plan),
            "finished": measured.finished,
            "real_seconds": measured.seconds,
            "load_average": {"min": min(loads), "max": max(loads), "mean": statistics.fmean(loads)},
            "server_cpu_seconds": measured.server.get("cpu_seconds"),
            "requests": measured.server.get("counts", {}),
            "figures": {
                name: {
                    **asdict(f),
                    "coverage": f.coverage,
                    "requests_per_article": f.requests_per_article,
                    "empty_poll_ms": f.empty_poll_ms,
                    "empty_poll_apart_ms": f.empty_poll_apart_ms,
                    "idle_cycle_ms": f.idle_cycle_ms,
                }
                for name, f in found.items()
            },
            "targets": checks,
            "cycles": {name: [asdict(c) for c in cs] for name, cs in measured.cycles.items()},
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
