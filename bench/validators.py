"""What a crawl reads to send conditional GETs, against the size of the archive.

An article the archive fetched before is requested with its ``ETag`` and
``Last-Modified``.  Until migration 0008 a run began by reading the
validators of every successful fetch of each outlet it crawled, into one
dictionary: the baseline here, its query kept in this file.  Now the spiders
ask, once per feed, sitemap or listing page, for the articles it lists
(``Archive.validators``, by ``fetches.url_key``).  Both are timed in the
same run, in turn, on catalogs of each size given:

- the catalog is the real schema with, per article, its ``articles`` row and
  one successful ``fetches`` row with an ETag (``catalog_scale.py``'s rows,
  spread over its 8 outlets; no versions, texts or full-text rows, which
  neither lookup reads, so the catalog is smaller than a real one);
- the question asked now is one news sitemap's: the keys of the outlet's
  1,000 most recent articles.

Each lookup runs ``--rounds`` times; the table shows the median seconds,
and the peak of Python's allocations during one more call, traced
(``tracemalloc``): what the crawl's process held for it.

Usage::

    python bench/validators.py --articles 10000 1000000 [--database-url URL] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from catalog_scale import BATCH, OUTLETS, _article_rows
from neardup import bench_database
from sqlalchemy import Engine, insert, select, text

from newsarchive.identity import article_key
from newsarchive.records import FetchOutcome, Validators
from newsarchive.storage import Archive
from newsarchive.storage.catalog.models import ArticleRow, FetchRow, OutletRow
from newsarchive.storage.objects import open_store

OUTLET = "prefill-1"
SITEMAP_ARTICLES = 1000


@dataclass
class Lookup:
    seconds: float
    peak_mib: float
    found: int


@dataclass
class Measured:
    engine: str
    articles: int
    outlet_fetches: int
    before: Lookup  # every validator of the outlet, at the run's start
    now: Lookup  # one sitemap's articles


def fill(engine: Engine, total: int) -> None:
    """Outlets, then each article's row and its one successful fetch, in bulk."""
    now = datetime.now(UTC)
    outlets = [
        {"id": i, "name": f"prefill-{i}", "info": {"kind": "feed"}, "created_at": now}
        for i in range(1, OUTLETS + 1)
    ]
    with engine.connect() as connection:
        connection.execute(insert(OutletRow), outlets)
        filler = ["filler text"]
        for start in range(0, total, BATCH):
            rows = [_article_rows(i, [], filler) for i in range(start, min(start + BATCH, total))]
            connection.execute(insert(ArticleRow), [row[0] for row in rows])
            connection.execute(insert(FetchRow), [row[1] for row in rows])
            connection.commit()
            print(f"\r  {start + len(rows):,} articles", end="", file=sys.stderr)
        print(file=sys.stderr)
        connection.execute(text("ANALYZE"))
        connection.commit()


def every_validator(archive: Archive, outlet: str) -> dict[str, Validators]:
    """The baseline: what a run read at its start before migration 0008, the same way."""
    query = (
        select(FetchRow.url, FetchRow.etag, FetchRow.last_modified)
        .join(OutletRow, OutletRow.id == FetchRow.outlet_id)
        .where(OutletRow.name == outlet, FetchRow.outcome == FetchOutcome.FETCHED.value)
        .order_by(FetchRow.fetched_at, FetchRow.id)
    )
    latest: dict[str, Validators] = {}
    with archive.engine.connect() as connection:
        for url, etag, last_modified in connection.execute(query):
            latest[article_key(url)] = Validators(etag=etag, last_modified=last_modified)
    return {url: v for url, v in latest.items() if v.etag or v.last_modified}


def sitemap_keys(archive: Archive, outlet: str) -> list[str]:
    """The keys of the outlet's most recent articles, as one news sitemap lists them."""
    query = (
        select(ArticleRow.url_key)
        .join(OutletRow, OutletRow.id == ArticleRow.outlet_id)
        .where(OutletRow.name == outlet)
        .order_by(ArticleRow.first_seen.desc())
        .limit(SITEMAP_ARTICLES)
    )
    with archive.engine.connect() as connection:
        return list(connection.execute(query).scalars())


def timed(lookup: Callable[[], dict[str, Validators]], rounds: int) -> Lookup:
    """The median seconds of ``rounds`` calls, then one more traced for its allocations'
    peak (tracing slows the allocations it counts, so the timed calls are not traced)."""
    seconds = []
    for _ in range(rounds):
        started = time.perf_counter()
        found = lookup()
        seconds.append(time.perf_counter() - started)
    tracemalloc.start()
    lookup()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return Lookup(statistics.median(seconds), peak / 2**20, len(found))


def measure(url: str | None, total: int, rounds: int, store: str) -> Measured:
    with bench_database(url) as engine:
        print(f"filling {engine.dialect.name} with {total:,} articles", file=sys.stderr)
        fill(engine, total)
        database = engine.url.render_as_string(hide_password=False)
        with Archive(engine, open_store(f"file://{store}")) as archive:
            keys = sitemap_keys(archive, OUTLET)
            before = timed(lambda: every_validator(archive, OUTLET), rounds)
            now = timed(lambda: archive.validators(OUTLET, keys), rounds)
        print(f"  measured {database.split('/')[-1]}", file=sys.stderr)
        return Measured(engine.dialect.name, total, before.found, before, now)


def table(results: list[Measured]) -> str:
    lines = [
        "| engine | articles | outlet's fetches | at the start, before (s, MiB) "
        f"| one sitemap of {SITEMAP_ARTICLES:,}, now (s, MiB) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for m in results:
        lines.append(
            f"| {m.engine} | {m.articles:,} | {m.outlet_fetches:,} "
            f"| {m.before.seconds:.3f} s, {m.before.peak_mib:.1f} "
            f"| {m.now.seconds:.4f} s, {m.now.peak_mib:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--database-url", help="a PostgreSQL server (default: SQLite)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-validators-") as store:  # never written
        results = [measure(args.database_url, n, args.rounds, store) for n in args.articles]
    print(table(results))
    if args.json:
        document: dict[str, Any] = {"results": [asdict(m) for m in results]}
        args.json.write_text(json.dumps(document, indent=2))


if __name__ == "__main__":
    main()
