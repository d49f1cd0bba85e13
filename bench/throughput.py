"""Whole-process ``newsarchive crawl`` throughput against bare trafilatura, in one run.

The crawler's whole-process figures, measured the way a user runs it: a
loopback site of ``--pages`` realistic news pages (``--kb`` on average, see
``newssite.py``) discovered through its sitemap, crawled by the
``newsarchive crawl`` command as a child process with ``download_delay = 0``
and ``concurrency = 16``.  Rows:

- ``trafilatura (baseline)``: ``trafilatura.extract(page, include_comments=False)``
  over the same bytes, serial, one core, in this process;
- ``empty run``: a crawl of an outlet whose sitemap lists nothing (the archive
  exists already), i.e. what a run that finds no news costs;
- ``first crawl``: every page new; its rate counts the seconds beyond the empty run;
- ``recrawl (304)``: the same again, every page a conditional GET answered 304;
- ``recrawl (new HTML)``: the same again after every page's furniture changed
  and its article did not (``newssite.restyle``), so every page answers 200
  with new bytes and files as unchanged, as most pages of a real recrawl do.

Each crawl row gives wall seconds, CPU (CPU seconds of the crawl's whole
process tree divided by wall seconds: 2.0 is both cores) and the peak memory of
the process tree (every descendant of the crawl, sampled every 50 ms): summed
RSS, and summed PSS, which counts the pages forked workers share once, with
each part's PSS at that peak (the crawl's process, its workers, the temporary
Prefect server).  The
run is void unless the first crawl files every page as new and both recrawls
every page as unchanged.  ``--database-url`` and ``--store-url`` point the
crawl at PostgreSQL and S3 (with ``--moto``, a moto S3 server started on
loopback for the run; ``--s3-latency-ms`` adds a network's round trip to each
of its requests).  ``--server-outside`` runs the crawls against a Prefect
server started outside the measured tree, named in ``PREFECT_API_URL``, as
operators run newsarchive; by default each crawl starts its temporary server.

Usage: ``python bench/throughput.py --pages 2000 [--json out.json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import trafilatura
from newssite import Page, restyle, serve

from newsarchive.flows.temporary_server import TemporaryServer

BIN = Path(sys.executable).parent
CONCURRENCY = 16
SAMPLE_SECONDS = 0.05


@dataclass
class Row:
    what: str
    pages: int
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float = 0.0  # the tree's summed RSS at its peak
    peak_pss_mb: float = 0.0  # the tree's summed PSS at its peak (shared pages counted once)
    rate: float = 0.0  # pages per second (beyond the empty run, for crawls)
    ratio: float = 0.0  # rate / the baseline's rate
    note: str = ""
    peak_parts_mb: dict[str, list[int]] = field(default_factory=dict)  # PSS by part, at the peak

    @property
    def cpu_share(self) -> float:
        return self.cpu_seconds / self.seconds if self.seconds else 0.0


@dataclass
class TreeMemory:
    """The memory of a process tree: summed RSS, and each process's PSS by its part.

    RSS counts the pages a forked worker still shares with its parent once
    per process; PSS splits shared pages between their sharers, so its sum
    is what the tree really holds.
    """

    rss: int = 0  # bytes
    parts: dict[str, list[int]] = field(default_factory=dict)  # part -> each process's PSS, bytes

    @property
    def pss(self) -> int:
        return sum(sum(sizes) for sizes in self.parts.values())


def descendants(root: int) -> list[int]:
    """``root`` and every process below it, from /proc."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_bytes()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(b")", 1)[1].split()[1])
    tree = []
    for pid in parents:
        ancestor = pid
        while ancestor not in (root, 0, 1) and ancestor in parents:
            ancestor = parents[ancestor]
        if ancestor == root:
            tree.append(pid)
    return tree


def tree_memory(root: int, servers: set[int]) -> TreeMemory:
    """The memory of ``root`` and all its descendants, from /proc."""
    memory = TreeMemory()
    for pid in descendants(root):
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        for line in rollup.splitlines():
            if line.startswith(("Rss:", "Pss:")):
                size = int(line.split()[1]) * 1024
                if line.startswith("Rss:"):
                    memory.rss += size
                else:
                    memory.parts.setdefault(_part(pid, root, command, servers), []).append(size)
    return memory


def _part(pid: int, root: int, command: bytes, servers: set[int]) -> str:
    """What a process of the tree is; ``servers`` remembers the servers seen, since an
    exiting process's command line reads empty while its memory is still counted."""
    if pid == root:
        return "crawl"
    if b"uvicorn" in command:
        servers.add(pid)
    return "Prefect server" if pid in servers else "worker"


@dataclass
class Peaks:
    rss: int = 0  # the tree's highest summed RSS, bytes
    pss: TreeMemory = field(default_factory=TreeMemory)  # the sample with the highest PSS


@contextmanager
def _peak_memory(root: int) -> Iterator[Peaks]:
    """Sample the tree's memory until the block ends, keeping its peaks."""
    peaks = Peaks()
    done = threading.Event()
    servers: set[int] = set()

    def sample() -> None:
        while not done.wait(SAMPLE_SECONDS):
            memory = tree_memory(root, servers)
            peaks.rss = max(peaks.rss, memory.rss)
            if memory.pss > peaks.pss.pss:
                peaks.pss = memory

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peaks
    finally:
        done.set()
        sampler.join()


def crawl(outlet: str, outlets_file: Path, env: dict[str, str], pages: int) -> tuple[Row, dict]:
    """One ``newsarchive crawl`` as a child: wall, CPU of its tree (via wait4), peak RSS."""
    args = [str(BIN / "newsarchive"), "crawl", outlet, "--outlets-file", str(outlets_file)]
    started = time.perf_counter()
    child = subprocess.Popen(
        [*args, "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out: dict[str, bytes] = {}
    readers = [
        threading.Thread(target=lambda: out.__setitem__("stdout", child.stdout.read())),
        threading.Thread(target=lambda: out.__setitem__("stderr", child.stderr.read())),
    ]
    for reader in readers:
        reader.start()
    with _peak_memory(child.pid) as peak:
        _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    lines = [json.loads(line) for line in out["stdout"].splitlines() if line.startswith(b"{")]
    if child.returncode not in (0, 1) or not lines:
        sys.exit(f"bench: crawl {outlet} failed ({child.returncode}): {out['stderr'][-2000:]!r}")
    cpu = usage.ru_utime + usage.ru_stime
    row = Row(outlet, pages, seconds, cpu, peak.rss / 2**20, peak.pss.pss / 2**20)
    row.peak_parts_mb = {
        part: [round(b / 2**20) for b in sizes] for part, sizes in peak.pss.parts.items()
    }
    return row, lines[0]


def _outlets_file(folder: Path, origin: str, pages: int) -> Path:
    path = folder / "outlets.toml"
    entries = []
    for name, sitemap in (("bench-herald", "/sitemap.xml"), ("bench-empty", "/empty-sitemap.xml")):
        entries.append(
            f'[[outlet]]\nname = "{name}"\nkind = "sitemap"\nstart_urls = ["{origin}{sitemap}"]\n'
            f'allowed_domains = ["127.0.0.1"]\ndownload_delay = 0\nconcurrency = {CONCURRENCY}\n'
            f"max_pages = {pages + 10}\n"
        )
    path.write_text("\n".join(entries), encoding="utf-8")
    return path


def bare(pages: list[Page], origin: str) -> Row:
    usage = resource.getrusage(resource.RUSAGE_THREAD)
    started = time.perf_counter()
    for page in pages:
        if not trafilatura.extract(page.body, url=origin + page.path, include_comments=False):
            sys.exit(f"bench: trafilatura found no text in {page.path}; the run is void")
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_THREAD)
    cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
    rate = len(pages) / seconds
    return Row("trafilatura (baseline)", len(pages), seconds, cpu, rate=rate, ratio=1.0)


def _check(summary: dict[str, Any], column: str, wanted: int) -> str:
    if summary.get(column) != wanted or summary.get("failed"):
        sys.exit(f"bench: the crawl filed {summary}, wanted {column}={wanted}; the run is void")
    return f"{column}={wanted}"


@contextmanager
def _moto(env: dict[str, str], latency_ms: float) -> Iterator[None]:
    """A moto S3 server on a free loopback port, named in ``env`` for the crawls.

    Each request waits ``latency_ms`` first (``slow_s3.py``), as if it crossed a network.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    slow_s3 = Path(__file__).with_name("slow_s3.py")
    command = [sys.executable, str(slow_s3), "--port", str(port), "--latency-ms", str(latency_ms)]
    server = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env |= {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    try:
        import boto3

        deadline = time.monotonic() + 30
        while True:
            try:
                client = boto3.client(
                    "s3",
                    endpoint_url=env["AWS_ENDPOINT_URL"],
                    region_name="us-east-1",
                    aws_access_key_id="bench",
                    aws_secret_access_key="bench",
                )
                client.create_bucket(Bucket="bench")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield
    finally:
        server.terminate()
        server.wait()


@contextmanager
def _server_outside(env: dict[str, str], home: Path) -> Iterator[None]:
    """A Prefect server outside the measured tree, named in ``PREFECT_API_URL`` for the crawls.

    As operators run newsarchive (``serve``, work pools): the server is a
    service of its own, and a crawl starts no temporary one.
    """
    # The server's database, not the user's; and no telemetry, whose failed sends (offline)
    # printed tracebacks among the bench's rows.
    server_environment = {"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    saved = {name: os.environ.get(name) for name in server_environment}
    os.environ.update(server_environment)
    server = TemporaryServer()
    try:
        server.wait_ready()
        env["PREFECT_API_URL"] = server.api_url
        yield
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name)
            else:
                os.environ[name] = value


def run(
    pages_wanted: int,
    kb: int,
    database_url: str | None,
    store_url: str | None,
    moto: bool,
    server_outside: bool = False,
    s3_latency_ms: float = 0.0,
) -> list[Row]:
    sizes = (kb * 1024 * 3 // 4, kb * 1024 * 5 // 4)
    rows: list[Row] = []
    with serve(pages_wanted, sizes) as (origin, pages, site), tempfile.TemporaryDirectory() as tmp:
        size = sum(len(p.body) for p in pages) / len(pages) / 1024
        print(f"{len(pages)} pages, {size:.0f} KB on average, at {origin}; {os.cpu_count()} cores")
        base = bare(pages, origin)
        rows.append(base)
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("NEWSARCHIVE_", "PREFECT_API"))
        }
        env["NEWSARCHIVE_HOME"] = str(Path(tmp) / "archive")
        if database_url:
            env["NEWSARCHIVE_DATABASE_URL"] = database_url
        if store_url:
            env["NEWSARCHIVE_STORE_URL"] = store_url
        outlets = _outlets_file(Path(tmp), origin, len(pages))
        outside = _server_outside(env, Path(tmp) / "prefect") if server_outside else _nothing()
        with outside, _moto(env, s3_latency_ms) if moto else _nothing():
            crawl("bench-empty", outlets, env, 0)  # creates the archive
            empty, _ = crawl("bench-empty", outlets, env, 0)
            empty.what, empty.note = "empty run", "sitemap lists nothing, archive exists"
            rows.append(empty)
            first, summary = crawl("bench-herald", outlets, env, len(pages))
            first.what, first.note = "first crawl", _check(summary, "new", len(pages))
            rows.append(first)
            again, summary = crawl("bench-herald", outlets, env, len(pages))
            again.what, again.note = "recrawl (304)", _check(summary, "unchanged", len(pages))
            rows.append(again)
            restyle(site, pages, serial=1)
            restyled, summary = crawl("bench-herald", outlets, env, len(pages))
            restyled.what = "recrawl (new HTML)"
            restyled.note = _check(summary, "unchanged", len(pages))
            rows.append(restyled)
        for row in (first, again, restyled):
            beyond = row.seconds - empty.seconds
            row.rate = row.pages / beyond if beyond > 0 else float("inf")
            row.ratio = row.rate / base.rate
    return rows


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def table(rows: list[Row]) -> str:
    header = (
        f"{'row':<24} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'x bare':>7} {'CPU':>5}"
        f" {'peak RSS MB':>12} {'peak PSS MB':>12}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        rate = f"{r.rate:>8.1f}" if r.rate else f"{'':>8}"
        ratio = f"{r.ratio:>7.2f}" if r.ratio else f"{'':>7}"
        rss = f"{r.peak_rss_mb:>12.0f}" if r.peak_rss_mb else f"{'':>12}"
        pss = f"{r.peak_pss_mb:>12.0f}" if r.peak_pss_mb else f"{'':>12}"
        lines.append(
            f"{r.what:<24} {r.pages:>6} {r.seconds:>8.2f} {rate} {ratio} {r.cpu_share:>5.2f}"
            f" {rss} {pss}  {r.note}"
        )
    lines.append("peak PSS MB by part of the tree, at the tree's peak:")
    for r in rows:
        if r.peak_parts_mb:
            parts = ", ".join(
                f"{part} {' + '.join(map(str, mb))}" for part, mb in sorted(r.peak_parts_mb.items())
            )
            lines.append(f"  {r.what}: {parts}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--pages", type=int, default=2000, help="article pages (default 2000)")
    parser.add_argument("--kb", type=int, default=80, help="average page size in KB (default 80)")
    parser.add_argument("--database-url", help="catalog URL for the crawls (default SQLite)")
    parser.add_argument("--store-url", help="object store URL for the crawls (default file://)")
    parser.add_argument("--moto", action="store_true", help="serve S3 with moto on loopback")
    parser.add_argument(
        "--s3-latency-ms",
        type=float,
        default=0.0,
        help="with --moto: every S3 request waits this long first, as across a network",
    )
    parser.add_argument(
        "--server-outside",
        action="store_true",
        help="run the crawls against a Prefect server outside the measured tree",
    )
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    if args.pages < 1:
        parser.error("--pages must be at least 1")
    if args.s3_latency_ms and not args.moto:
        parser.error("--s3-latency-ms is for moto's server (--moto)")
    rows = run(
        args.pages,
        args.kb,
        args.database_url,
        args.store_url,
        args.moto,
        args.server_outside,
        args.s3_latency_ms,
    )
    print(table(rows))
    print("rate of a crawl = pages / (its seconds - the empty run's); CPU = CPU s / wall s")
    if args.json:
        document = {
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "cores": os.cpu_count(),
            "database_url": args.database_url or "sqlite",
            "store_url": args.store_url or "file",
            "s3_latency_ms": args.s3_latency_ms if args.moto else None,
            "prefect_server": "outside the tree"
            if args.server_outside
            else "temporary, in the tree",
            "rows": [{**asdict(r), "cpu_share": r.cpu_share} for r in rows],
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
