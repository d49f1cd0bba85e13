"""Choosing and claiming the due outlets of a fleet, against the size of the fleet.

A fleet cycle begins by bringing the outlets' states in line with the
outlets file (``Archive.sync_roster``: one read when nothing changed) and
claiming a batch of the due ones (``Archive.claim_due``: on PostgreSQL
``FOR UPDATE SKIP LOCKED``).  Here a catalog holds ``--outlets`` outlets, a
``--due`` share of them due; the bench times, as medians of ``--rounds``:

- the sync of an unchanged roster of all the outlets;
- one claim of ``--batch`` outlets by a lone worker;
- ``--workers`` workers claiming at the same moment (threads, each with its
  own connection), how long the slowest took, and that their batches are
  disjoint.

Claims are released between rounds, so every round claims from the same
fleet.  The issue's target: choosing and claiming among 100,000 outlets in
at most 1 s on PostgreSQL.

Usage::

    python bench/claims.py --outlets 100000 [--database-url postgresql://...] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from neardup import bench_database
from sqlalchemy import Engine, insert, update

from newsarchive.records import OutletStatus
from newsarchive.storage import Archive, RosterEntry
from newsarchive.storage.catalog.models import OutletRow, OutletStateRow

ROWS = 5000


@dataclass
class Measured:
    dialect: str
    outlets: int
    due: int
    sync_seconds: float
    claim_seconds: float
    workers: int
    concurrent_seconds: float
    claimed_each: list[int]


def fill(engine: Engine, outlets: int, due_share: float) -> None:
    """``outlets`` outlets with states, the first ``due_share`` of them due now."""
    now = datetime.now(UTC)
    due = int(outlets * due_share)
    with engine.begin() as connection:
        for start in range(0, outlets, ROWS):
            names = range(start, min(outlets, start + ROWS))
            connection.execute(
                insert(OutletRow),
                [{"id": n + 1, "name": f"o{n}", "info": {}, "created_at": now} for n in names],
            )
            connection.execute(
                insert(OutletStateRow),
                [
                    {
                        "outlet_id": n + 1,
                        "collection": "default",
                        "status": OutletStatus.WORKING.value,
                        "alerts": [],
                        "next_due": now - timedelta(minutes=1)
                        if n < due
                        else now + timedelta(hours=1),
                    }
                    for n in names
                ],
            )


def release_all(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(update(OutletStateRow).values(claimed_by=None, claimed_until=None))


def median_seconds(call: Callable[[], float], rounds: int) -> float:
    return statistics.median(call() for _ in range(rounds))


def claim_alone(archive: Archive, engine: Engine, batch: int) -> float:
    """Seconds one claim of ``batch`` due outlets took; the claims are released after."""
    start = time.perf_counter()
    now = datetime.now(UTC)
    archive.claim_due(None, now, "bench", now + timedelta(minutes=10), batch)
    seconds = time.perf_counter() - start
    release_all(engine)
    return seconds


def claim_together(
    database_url: str, store: str, workers: int, batch: int
) -> tuple[float, list[int]]:
    """Seconds the slowest of ``workers`` claiming at once took, and how many each got."""
    got: list[list[str]] = []
    took: list[float] = []
    gate = threading.Barrier(workers)

    def worker(n: int) -> None:
        with Archive.open(database_url, f"file://{store}") as mine:
            gate.wait()
            start = time.perf_counter()
            now = datetime.now(UTC)
            got.append(mine.claim_due(None, now, f"w{n}", now + timedelta(minutes=10), batch))
            took.append(time.perf_counter() - start)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [name for names in got for name in names]
    if len(every) != len(set(every)):
        raise SystemExit("two workers claimed the same outlet")
    return max(took), sorted(len(names) for names in got)


def measure(
    url: str | None, outlets: int, due_share: float, batch: int, workers: int, rounds: int
) -> Measured:
    with bench_database(url) as engine, tempfile.TemporaryDirectory() as store:
        fill(engine, outlets, due_share)
        database_url = engine.url.render_as_string(hide_password=False)
        roster = [RosterEntry(f"o{n}") for n in range(outlets)]
        with Archive.open(database_url, f"file://{store}") as archive:

            def sync() -> float:
                start = time.perf_counter()
                archive.sync_roster(roster)
                return time.perf_counter() - start

            synced = median_seconds(sync, rounds)
            alone = median_seconds(lambda: claim_alone(archive, engine, batch), rounds)
        together, sizes = [], []
        for _ in range(rounds):
            seconds, sizes = claim_together(database_url, store, workers, batch)
            together.append(seconds)
            release_all(engine)
        return Measured(
            dialect=engine.dialect.name,
            outlets=outlets,
            due=int(outlets * due_share),
            sync_seconds=synced,
            claim_seconds=alone,
            workers=workers,
            concurrent_seconds=statistics.median(together),
            claimed_each=sizes,
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outlets", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--due", type=float, default=0.1, help="share of the outlets due now")
    parser.add_argument("--batch", type=int, default=1000, help="outlets one claim takes")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", help="PostgreSQL server URL (default: a SQLite file)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results = [
        measure(args.database_url, n, args.due, args.batch, args.workers, args.rounds)
        for n in args.outlets
    ]
    print(
        f"{'engine':<10} {'outlets':>8} {'due':>7} {'sync s':>7} {'claim s':>8} "
        f"{'workers':>7} {'together s':>10}  claimed each"
    )
    for r in results:
        print(
            f"{r.dialect:<10} {r.outlets:>8,} {r.due:>7,} {r.sync_seconds:>7.3f} "
            f"{r.claim_seconds:>8.3f} {r.workers:>7} {r.concurrent_seconds:>10.3f}  "
            f"{r.claimed_each}"
        )
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
