"""Near-duplicate lookup at scale: the archive's LSH band query against a brute-force scan.

The catalog (the real Alembic schema) is filled in bulk with ``contents`` and
``lsh_bands`` rows: a few hundred real texts made from the seed texts, with
their true MinHash signatures, and filler rows with random signatures (only
the band index matters for lookup cost, and random signatures spread over it
as real ones do).  Then each real text is looked up through a lightly edited
copy of it, two ways:

- ``lsh``: ``newsarchive.storage.filing.versions.near_candidates_query`` (the exact SELECT
  the archive runs when filing), then the candidates' stored signatures are
  read and compared, as ``filing._near_texts`` does;
- ``brute force`` (the baseline): read every stored signature and compare it
  with the query's (vectorised with numpy, the best case for a scan).

Usage: ``python bench/neardup.py --texts 100000 [--database-url postgresql+psycopg://...]``.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from newssite import article_paragraphs, seed_sentences
from sqlalchemy import Connection, Engine, create_engine, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from newsarchive.errors import NewsarchiveError
from newsarchive.storage import catalog
from newsarchive.storage.catalog.models import ContentRow, LshBandRow
from newsarchive.storage.filing import neardup
from newsarchive.storage.filing.versions import near_candidates_query
from newsarchive.storage.objects import layout

if TYPE_CHECKING:
    from datasketch import MinHash

BATCH = 20_000
_DATABASES = itertools.count()  # several bench databases in one process (--in-turn)
LOAD_CACHE_KIB = 1024 * 1024
EDIT = "The agency said the report had been updated with further details."


@dataclass(frozen=True)
class Signature:
    """Stands in for a datasketch MinHash where only ``hashvalues`` is read (``neardup.bands``)."""

    hashvalues: np.ndarray


def real_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    sentences = seed_sentences()
    return ["\n".join(article_paragraphs(rng, sentences)) for _ in range(count)]


def near_copy(text: str) -> str:
    """The text as a second outlet runs it: one word changed and a sentence added."""
    return text.replace(" said ", " stated ", 1) + " " + EDIT


Row = dict[str, Any]


def _rows(
    sha: str, values: np.ndarray, bands: list[tuple[int, int]], size: int
) -> tuple[Row, list[Row]]:
    content = {
        "sha256": sha,
        "key": layout.text_key(sha),
        "size": size,
        "minhash": values.astype("<u4").tobytes(),
        "created_at": datetime.now(UTC),
    }
    return content, [{"content_sha256": sha, "band": b, "hash": h} for b, h in bands]


def fill(connection: Connection, texts: list[str], total: int, seed: int) -> None:
    """Real texts with true signatures, then random-signature filler up to ``total``."""
    contents: list[Row] = []
    bands: list[Row] = []
    for body in texts:
        minhash = neardup.signature(body)
        sha = hashlib.sha256(body.encode()).hexdigest()
        content, band_rows = _rows(sha, minhash.hashvalues, neardup.bands(minhash), len(body))
        contents.append(content)
        bands.extend(band_rows)
    connection.execute(insert(ContentRow), contents)
    connection.execute(insert(LshBandRow), bands)
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    for start in range(len(texts), total, BATCH):
        count = min(BATCH, total - start)
        values = rng.integers(0, 2**32, size=(count, neardup.NUM_PERM), dtype=np.uint32)
        contents, bands = [], []
        for offset, row in enumerate(values):
            sha = hashlib.sha256(f"filler-{start + offset}".encode()).hexdigest()
            row_bands = neardup.bands(cast("MinHash", Signature(row)))
            content, band_rows = _rows(sha, row, row_bands, 4000)
            contents.append(content)
            bands.extend(band_rows)
        connection.execute(insert(ContentRow), contents)
        connection.execute(insert(LshBandRow), bands)
        connection.commit()
        done = start + count
        rate = (done - len(texts)) / (time.perf_counter() - started)
        print(f"\r  {done:,} texts filed ({rate:,.0f}/s)", end="", file=sys.stderr)
    print(file=sys.stderr)


def lsh_lookup(connection: Connection, query: MinHash, exclude: str) -> list[str]:
    """Candidates by the archive's band query, kept if their signature reaches the threshold."""
    candidates = list(connection.scalars(near_candidates_query(neardup.bands(query), exclude)))
    rows = connection.execute(
        select(ContentRow.sha256, ContentRow.minhash).where(ContentRow.sha256.in_(candidates))
    )
    scores = [(neardup.similarity(query, neardup.unpack(blob)), sha) for sha, blob in rows]
    return [sha for score, sha in sorted(scores, reverse=True) if score >= neardup.THRESHOLD]


def brute_lookup(connection: Connection, query: MinHash) -> list[str]:
    """Every stored signature read and compared: the lookup without an index."""
    shas, blobs = [], []
    for sha, blob in connection.execute(select(ContentRow.sha256, ContentRow.minhash)):
        shas.append(sha)
        blobs.append(blob)
    stored = np.frombuffer(b"".join(blobs), dtype="<u4").reshape(len(blobs), neardup.NUM_PERM)
    wanted = np.asarray(query.hashvalues, dtype="<u4")
    scores = (stored == wanted).mean(axis=1)
    order = np.argsort(-scores)
    return [shas[i] for i in order if scores[i] >= neardup.THRESHOLD]


def plan_lines(connection: Connection, query: MinHash) -> list[str]:
    """The database's plan of the band query, with this query's values inlined."""
    statement = near_candidates_query(neardup.bands(query), "0" * 64)
    sql = str(statement.compile(connection.engine, compile_kwargs={"literal_binds": True}))
    if connection.dialect.name == "sqlite":
        return [str(row[-1]) for row in connection.execute(text("EXPLAIN QUERY PLAN " + sql))]
    return [str(row[0]) for row in connection.execute(text("EXPLAIN " + sql))]


@contextmanager
def bench_database(url: str | None) -> Iterator[Engine]:
    """A fresh catalog: a temporary SQLite file, or a database created on the given server."""
    if url is None:
        with tempfile.TemporaryDirectory() as tmp:
            engine = catalog.create_catalog_engine(f"sqlite:///{Path(tmp) / 'catalog.db'}")
            catalog.upgrade(engine)
            yield engine
            engine.dispose()
        return
    server = make_url(url).set(drivername="postgresql+psycopg")
    name = f"bench_neardup_{os.getpid()}_{next(_DATABASES)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        engine = catalog.create_catalog_engine(server.set(database=name).render_as_string(False))
        catalog.upgrade(engine)
        yield engine
        engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Measured:
    dialect: str
    texts: int
    band_rows: int
    fill_seconds: float
    lsh_ms: list[float]
    found: int
    brute_ms: list[float]
    agree: int
    plan: list[str]


def load(engine: Engine, originals: list[str], total: int, seed: int) -> float:
    """Fill the catalog and gather planner statistics; returns the seconds it took."""
    started = time.perf_counter()
    with engine.connect() as loading:
        if engine.dialect.name == "sqlite":  # a bulk load's page cache, this connection only
            loading.exec_driver_sql(f"PRAGMA cache_size=-{LOAD_CACHE_KIB}")
        fill(loading, originals, total, seed)
        loading.execute(text("ANALYZE"))
        loading.commit()
    engine.dispose()  # lookups start on fresh connections with the default settings
    return time.perf_counter() - started


def measure(connection: Connection, originals: list[str], brute_lookups: int) -> Measured:
    """Time the lookups of near copies of ``originals``; brute force on the first few only."""
    signatures = [neardup.signature(near_copy(t)) for t in originals]
    shas = [hashlib.sha256(t.encode()).hexdigest() for t in originals]
    lsh_ms, found = [], 0
    for signature, sha in zip(signatures, shas, strict=True):
        started = time.perf_counter()
        # The query text is not in the catalog, so there is no own row to exclude.
        matches = lsh_lookup(connection, signature, exclude="-")
        lsh_ms.append((time.perf_counter() - started) * 1000)
        found += matches[:1] == [sha]
    brute_ms, agree = [], 0
    for signature in signatures[:brute_lookups]:
        started = time.perf_counter()
        brute = brute_lookup(connection, signature)
        brute_ms.append((time.perf_counter() - started) * 1000)
        agree += brute == lsh_lookup(connection, signature, exclude="-")
    return Measured(
        dialect=connection.dialect.name,
        texts=connection.scalar(select(text("count(*)")).select_from(ContentRow)) or 0,
        band_rows=connection.scalar(select(text("count(*)")).select_from(LshBandRow)) or 0,
        fill_seconds=0.0,
        lsh_ms=lsh_ms,
        found=found,
        brute_ms=brute_ms,
        agree=agree,
        plan=plan_lines(connection, signatures[0]),
    )


def report(m: Measured) -> None:
    lsh, scan = statistics.median(m.lsh_ms), statistics.median(m.brute_ms)
    looked, sampled = len(m.lsh_ms), len(m.brute_ms)
    print(f"catalog: {m.dialect}, {m.texts:,} texts, {m.band_rows:,} band rows", end="")
    print(f", filled in {m.fill_seconds:.0f} s")
    print(f"{'lookup':<28} {'lookups':>7} {'median ms':>10} {'p95 ms':>8} {'x faster':>9}")
    for name, count, values, speedup in (
        ("brute force scan (baseline)", sampled, m.brute_ms, 1.0),
        ("lsh bands (archive query)", looked, m.lsh_ms, scan / lsh),
    ):
        median, p95 = statistics.median(values), _p95(values)
        print(f"{name:<28} {count:>7} {median:>10.2f} {p95:>8.2f} {speedup:>9.1f}")
    print(f"near copies found as their original by lsh: {m.found}/{looked}")
    print(f"brute force measured on {sampled} of the {looked} queries (each scans every row);")
    print(f"  its matches equal the lsh matches for {m.agree}/{sampled} of them")
    print("plan (distinct lines, how often each occurs):")
    for line in dict.fromkeys(m.plan):
        if not re.match(r"INDEX \d+$|\s*(Index|Recheck) Cond:", line):  # one per band
            print(f"  {m.plan.count(line):>2} x {line}")


def run(args: argparse.Namespace) -> None:
    originals = real_texts(min(args.lookups, args.texts), args.seed)
    with bench_database(args.database_url) as engine:
        print(f"filling {engine.dialect.name} with {args.texts:,} texts", file=sys.stderr)
        fill_seconds = load(engine, originals, args.texts, args.seed)
        with engine.connect() as connection:
            measured = measure(connection, originals, args.brute_lookups)
    measured.fill_seconds = fill_seconds
    report(measured)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--texts", type=int, default=100_000, help="texts in the catalog")
    parser.add_argument("--lookups", type=int, default=200, help="near-duplicate lookups timed")
    parser.add_argument("--brute-lookups", type=int, default=10, help="of those, also scanned")
    parser.add_argument(
        "--database-url",
        help="postgresql+psycopg://USER@HOST:PORT/DB (a bench"
        " database is created beside DB and dropped); default: temporary SQLite",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.texts < 1 or args.lookups < 1 or args.brute_lookups < 1:
        parser.error("--texts, --lookups and --brute-lookups must be at least 1")
    if args.database_url and not _is_postgresql(args.database_url):
        parser.error("--database-url must be a postgresql+psycopg:// URL (SQLite is the default)")
    try:
        run(args)
    except (NewsarchiveError, DBAPIError) as exc:
        message = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        parser.exit(1, f"neardup.py: {message}\n")


def _is_postgresql(url: str) -> bool:
    try:
        return make_url(url).get_backend_name() == "postgresql"
    except ArgumentError:
        return False


if __name__ == "__main__":
    main()
