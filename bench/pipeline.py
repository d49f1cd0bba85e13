"""Crawl + extract + archive throughput, side by side with bare trafilatura in the same run.

Variants, all over the same generated pages served on loopback:

- ``trafilatura`` (the baseline): ``trafilatura.extract(page_bytes)``, serial, one core;
- ``extract``: ``newsarchive.extraction.extract`` alone, serial, one core;
- ``pipeline``: ``archive_outlets`` into a fresh SQLite + file archive, Scrapy at
  concurrency 8 without delay, extraction in a process pool of ``os.cpu_count()``;
- ``refetch``: the same pipeline again on the same archive: every page answers 304.

The baseline runs in the same process and minute as the rest, so the ratios hold
on whatever machine this runs on.  Usage: ``python bench/pipeline.py --pages 300``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import trafilatura
from newssite import Page, serve

from newsarchive.archiving.report import OutletReport
from newsarchive.archiving.run import STORE_THREADS, archive_outlets
from newsarchive.archiving.work import worker_pool
from newsarchive.config import Settings
from newsarchive.extraction import extract
from newsarchive.records import ArchiveOutcome
from newsarchive.spiders.options import CrawlOptions
from newsarchive.spiders.outlets import Outlet, OutletKind
from newsarchive.storage import Archive, Entry, StoredRaw

CONCURRENCY = 8
PAGE_HEADERS = (("Content-Type", "text/html; charset=utf-8"),)


@dataclass
class Result:
    variant: str
    pages: int
    seconds: float
    cpu_seconds: float
    main_cpu_seconds: float  # this process alone: Scrapy, the storage threads, the site
    note: str = ""
    storage_seconds: dict[str, float] = field(default_factory=dict)
    site_cpu_seconds: float = 0.0  # the loopback site's share of cpu_seconds

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    @property
    def cpu_share(self) -> float:
        """CPU seconds per wall second: 1.0 is one busy core."""
        return self.cpu_seconds / self.seconds if self.seconds else 0.0

    @property
    def main_ms_per_page(self) -> float:
        """CPU ms per page of the process that runs Scrapy, the loopback site's share taken out."""
        return 1000 * (self.main_cpu_seconds - self.site_cpu_seconds) / self.pages


class TimedArchive(Archive):
    """The archive, adding up the seconds its catalog calls take (over all threads).

    Shows where a pipeline run's time goes that extraction does not explain.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seconds: dict[str, float] = dict.fromkeys(("earlier_raw", "record_and_file"), 0.0)
        self._lock = threading.Lock()

    def _add(self, name: str, started: float) -> None:
        with self._lock:
            self.seconds[name] += time.perf_counter() - started

    def earlier_raw(self, url: str, body_sha256: str) -> StoredRaw | None:
        started = time.perf_counter()
        try:
            return super().earlier_raw(url, body_sha256)
        finally:
            self._add("earlier_raw", started)

    def record_and_file(self, entries: Sequence[Entry]) -> list[ArchiveOutcome]:
        started = time.perf_counter()
        try:
            return super().record_and_file(entries)
        finally:
            self._add("record_and_file", started)

    def take_seconds(self) -> dict[str, float]:
        taken = {name: round(value, 2) for name, value in self.seconds.items()}
        self.seconds = dict.fromkeys(self.seconds, 0.0)
        return taken


def _cpu_seconds() -> tuple[float, float]:
    """CPU of this process, and of it plus its finished children (the pool's workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    mine = own.ru_utime + own.ru_stime
    return mine, mine + children.ru_utime + children.ru_stime


@contextmanager
def timed(variant: str, pages: int, results: list[Result], note: str = "") -> Iterator[None]:
    (mine, cpu), wall = _cpu_seconds(), time.perf_counter()
    yield
    seconds = time.perf_counter() - wall
    mine_after, cpu_after = _cpu_seconds()
    results.append(Result(variant, pages, seconds, cpu_after - cpu, mine_after - mine, note))


def serial(pages: list[Page], origin: str, run: Callable[[Page, str], object]) -> None:
    for page in pages:
        if not run(page, origin + page.path):
            raise SystemExit(f"extraction of {page.path} gave nothing; the benchmark is void")


def bare_trafilatura(page: Page, url: str) -> object:
    return trafilatura.extract(page.body, url=url)


def newsarchive_extract(page: Page, url: str) -> object:
    return extract(page.body, url=url, headers=PAGE_HEADERS, profile="generic").text


def crawl_once(origin: str, pages: int, settings: Settings, archive: TimedArchive) -> OutletReport:
    outlet = Outlet(
        name="bench-herald",
        kind=OutletKind.FEED,
        start_urls=(f"{origin}/feed.xml",),
        allowed_domains=("127.0.0.1",),
        download_delay=0,
        concurrency=CONCURRENCY,
        max_pages=pages + 10,
    )
    # The pool is made and joined inside the timed block, so its workers' CPU is counted.
    with worker_pool(os.cpu_count() or 1) as pool:
        options = CrawlOptions.from_settings(settings)
        reports = asyncio.run(archive_outlets([outlet], archive, options, extract_pool=pool))
    return reports[outlet.name]


def check(report: OutletReport, column: str, wanted: int) -> str:
    """The run's summary row; a run that did not file every page voids the benchmark."""
    row = report.summary().row()
    if row[column] != wanted or row["failed"]:
        raise SystemExit(f"pipeline filed {row} (failures {report.failures[:3]}), wanted {wanted}")
    return f"{column}={wanted}"


def run(count: int) -> list[Result]:
    results: list[Result] = []
    with serve(count) as (origin, pages, site), tempfile.TemporaryDirectory() as tmp:
        size = sum(len(p.body) for p in pages)
        print(f"{count} pages, {size / count / 1024:.0f} KB on average, at {origin}")
        with timed("trafilatura (baseline)", count, results, "bare extract(), serial"):
            serial(pages, origin, bare_trafilatura)
        with timed("newsarchive extract", count, results, "generic profile, serial"):
            serial(pages, origin, newsarchive_extract)
        settings = Settings(home=Path(tmp) / "archive", download_timeout=60)
        archive = TimedArchive.open(settings.database_url, settings.store_url)
        with closing(archive):
            served = site.cpu_seconds
            with timed("pipeline (first crawl)", count, results):
                report = crawl_once(origin, count, settings, archive)
            results[-1].note = check(report, "new", count) + f", pool of {os.cpu_count()}"
            results[-1].storage_seconds = archive.take_seconds()
            results[-1].site_cpu_seconds, served = site.cpu_seconds - served, site.cpu_seconds
            before = site.statuses.get(304, 0)
            with timed("pipeline (refetch, 304)", count, results):
                report = crawl_once(origin, count, settings, archive)
            results[-1].note = check(report, "unchanged", count)
            results[-1].note += f", {site.statuses.get(304, 0) - before} answers 304"
            results[-1].storage_seconds = archive.take_seconds()
            results[-1].site_cpu_seconds = site.cpu_seconds - served
    return results


def table(results: list[Result]) -> str:
    base = results[0].rate
    header = (
        f"{'variant':<26} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'x base':>7} {'CPU':>5}"
        f" {'main ms/page':>12}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r.variant:<26} {r.pages:>6} {r.seconds:>8.2f} {r.rate:>8.1f} "
            f"{r.rate / base:>7.2f} {r.cpu_share:>5.2f} {r.main_ms_per_page:>12.1f}  {r.note}"
        )
    lines.append("")
    lines.append(f"where the pipeline's seconds went ({STORE_THREADS} storage threads, summed):")
    for r in results:
        if r.storage_seconds:
            spent = ", ".join(f"{name} {value:.1f} s" for name, value in r.storage_seconds.items())
            lines.append(
                f"  {r.variant}: {spent}; the site itself used {r.site_cpu_seconds:.2f} CPU s"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--pages", type=int, default=300, help="pages on the site (default 300)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    if args.pages < 1:
        parser.error("--pages must be at least 1")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    results = run(args.pages)
    print(table(results))
    print(f"CPU = CPU s / wall s of this process and its children ({os.cpu_count()} cores)")
    print("main ms/page = CPU of this process alone per page (Scrapy, storage threads)")
    if args.json:
        rows = [{**asdict(r), "pages_per_second": r.rate} for r in results]
        document = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "results": rows}
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
