"""Filing rate against catalog size: 1,000 new pages into catalogs of 10k and 1M articles.

``bench/neardup.py`` shows the near-duplicate lookup alone is flat; this
measures the whole filing path.  For each catalog size, a fresh catalog (the
real Alembic schema, temporary SQLite or a database created on a PostgreSQL
server and dropped after) is prefilled in bulk with archived articles whose
rows hang together as filing leaves them:

- ``outlets`` (a few) and, per article, one ``articles`` row, one ``fetches``
  row (fetched, extraction filed, outcome new, raw object key and digests),
  one ``versions`` row pointing at both, one ``contents`` row with its 16
  ``lsh_bands`` rows (``neardup.fill``: a few hundred real texts with true
  MinHash signatures, the rest random signatures, which spread over the band
  index as real ones do) and one row in each full-text index
  (``article_search``, ``version_search``);
- prefilled articles have no objects in the store: filing never reads the
  objects of other articles, only their rows.  Filler texts are indexed for
  full text with one seed paragraph (and their title), not a whole article,
  to keep a million-row prefill within minutes; the real texts have their
  whole text indexed.

Then the same 1,000 pages of ``bench/newssite.py`` (realistic 50-300 KB
pages, extracted once beforehand so only filing is timed) go through the
unchanged path a crawl takes (``newsarchive/archiving/capture.py``), here in
one process and one thread: the catalog read for an earlier fetch of the
same bytes (``Archive.earlier_raw``), a worker's part (``work_on``: raw page
compressed and stored, text object and MinHash) and then, ``BATCH_PAGES`` at a
time, the group commit's ``Archive.record_and_file`` (fetch rows, dedup
lookup, articles, versions, metadata objects, full-text rows), into a local
file store in a temporary directory.  The rate of each size is compared with the rate of
the first (smallest) size in the same run.

Usage::

    python bench/catalog_scale.py --articles 10000 1000000 [--json out.json]
    python bench/catalog_scale.py --articles 10000 100000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from neardup import BATCH, LOAD_CACHE_KIB, _is_postgresql, bench_database, fill, real_texts
from newssite import Page, article_paragraphs, build_pages, seed_sentences
from pipeline import PAGE_HEADERS, TimedArchive
from sqlalchemy import Connection, Engine, event, func, insert, select, text
from sqlalchemy.exc import DBAPIError

from newsarchive.archiving.work import PageJob, work_on
from newsarchive.errors import NewsarchiveError
from newsarchive.extraction import extract
from newsarchive.identity import article_key
from newsarchive.records import ArchiveOutcome, Capture, Extraction, Fetch, FetchOutcome
from newsarchive.storage import Archive, ExtractedPage
from newsarchive.storage.catalog.models import ArticleRow, FetchRow, OutletRow, VersionRow
from newsarchive.storage.filing import neardup
from newsarchive.storage.objects import layout, sha256_hex

OUTLETS = 8
NEW_OUTLET = "bench-herald"
ORIGIN = "https://bench-herald.example"
REAL_TEXTS = 300  # prefilled texts with true signatures (as in neardup.py); the rest random
FIRST_FETCH = datetime(2021, 1, 1, tzinfo=UTC)
SEARCH_TABLES = (("article_search", "article_id"), ("version_search", "version_id"))
BATCH_PAGES = 16  # pages per group commit: the crawl's 16 fetches in flight

Row = dict[str, Any]


@dataclass(frozen=True)
class Prepared:
    """One page to ingest: its fetch as a crawl hands it over and its extraction."""

    fetch: Fetch
    extraction: Extraction


def prepare(pages: list[Page], started: datetime) -> list[Prepared]:
    """Fetches of the generated pages, extracted now so that the measured loop only files."""
    prepared = []
    for index, page in enumerate(pages):
        url = ORIGIN + page.path
        fetched_at = started + timedelta(seconds=index)
        etag = '"' + hashlib.sha256(page.body).hexdigest()[:20] + '"'
        capture = Capture(
            outlet=NEW_OUTLET,
            url=url,
            requested_url=url,
            final_url=url,
            status=200,
            fetched_at=fetched_at,
            request_headers=(("User-Agent", "newsarchive-bench"),),
            response_headers=(*PAGE_HEADERS, ("ETag", etag)),
            body=page.body,
        )
        extraction = extract(page.body, url=url, headers=PAGE_HEADERS, profile="generic")
        if not extraction.text.strip():
            raise SystemExit(f"extraction of {page.path} gave nothing; the benchmark is void")
        fetch = Fetch(NEW_OUTLET, url, FetchOutcome.FETCHED, fetched_at, 200, capture=capture)
        prepared.append(Prepared(fetch, extraction))
    neardup.signature(prepared[0].extraction.text)  # datasketch's import, not the first size's
    return prepared


def file_batch(archive: Archive, batch: list[Prepared]) -> list[ArchiveOutcome]:
    """Pages filed as a crawl files them (``CaptureLane.process``, then its writer)."""
    extracted = []
    for page in batch:
        capture = page.fetch.capture
        assert capture is not None
        body_sha = sha256_hex(capture.body)
        earlier = archive.earlier_raw(page.fetch.url, body_sha)
        job = PageJob(capture, "generic", archive.store.url, body_sha, earlier)
        work = work_on(job, lambda _capture, _profile, e=page.extraction: e, archive.store)
        assert work.extraction is not None
        extracted.append(ExtractedPage(page.fetch, work.raw, work.extraction, work.text))
    return archive.record_and_file(extracted)


def batches(pages: list[Prepared]) -> list[list[Prepared]]:
    return [pages[i : i + BATCH_PAGES] for i in range(0, len(pages), BATCH_PAGES)]


def _content_sha(index: int, texts: list[str]) -> str:
    """The ``contents`` key ``neardup.fill`` gave the index-th text it filed."""
    if index < len(texts):
        return hashlib.sha256(texts[index].encode()).hexdigest()
    return hashlib.sha256(f"filler-{index}".encode()).hexdigest()


def _article_rows(index: int, texts: list[str], paragraphs: list[str]) -> tuple[Row, Row, Row, Row]:
    """Article, fetch, version and full-text rows of the index-th prefilled article (id index+1)."""
    row_id = index + 1
    outlet_id = 1 + index % OUTLETS
    outlet = f"prefill-{outlet_id}"
    fetched_at = FIRST_FETCH + timedelta(minutes=index)
    url = f"https://{outlet}.example/news/{fetched_at:%Y/%m/%d}/story-{index}.html"
    sha = _content_sha(index, texts)
    raw_sha = hashlib.sha256(f"raw-{index}".encode()).hexdigest()
    meta_sha = hashlib.sha256(f"meta-{index}".encode()).hexdigest()
    title = f"Story {index} of {outlet}"
    body = texts[index] if index < len(texts) else paragraphs[index % len(paragraphs)]
    article = {
        "id": row_id,
        "url": url,
        "url_key": article_key(url),
        "outlet_id": outlet_id,
        "first_seen": fetched_at,
        "last_seen": fetched_at,
    }
    fetch = {
        "id": row_id,
        "outlet_id": outlet_id,
        "url": url,
        "url_key": article["url_key"],
        "requested_url": url,
        "final_url": url,
        "fetched_at": fetched_at,
        "status": 200,
        "outcome": FetchOutcome.FETCHED.value,
        "attempts": 1,
        "request_headers": [["User-Agent", "newsarchive-bench"]],
        "response_headers": [["Content-Type", "text/html; charset=utf-8"]],
        "raw_key": layout.raw_key(outlet, fetched_at, raw_sha),
        "raw_sha256": raw_sha,
        "raw_size": 150_000,
        "raw_object_sha256": raw_sha,
        "etag": f'"{raw_sha[:20]}"',
        "extraction_state": "filed",
        "archive_outcome": ArchiveOutcome.NEW.value,
        "article_id": row_id,
    }
    version = {
        "id": row_id,
        "article_id": row_id,
        "number": 1,
        "fetched_at": fetched_at,
        "last_seen": fetched_at,
        "text_sha256": sha,
        "title": title,
        "published": fetched_at - timedelta(hours=1),
        "meta_key": layout.meta_key(outlet, fetched_at, meta_sha),
        "meta_sha256": meta_sha,
        "fetch_id": row_id,
    }
    return article, fetch, version, {"id": row_id, "title": title, "body": body}


def _search_insert(connection: Connection, table: str, key: str) -> Any:
    if connection.dialect.name == "sqlite":
        return text(f"INSERT INTO {table} (rowid, title, body) VALUES (:id, :title, :body)")
    return text(f"INSERT INTO {table} ({key}, title, body) VALUES (:id, :title, :body)")


def fill_articles(connection: Connection, texts: list[str], total: int, seed: int) -> None:
    """Outlets, then per text of ``neardup.fill`` its article, fetch, version and search rows.

    A fetch names its version and the version its fetch: fetches go in first
    without it, and one UPDATE per batch sets it (ids are equal by
    construction), so every foreign key is checked as filing's are.
    """
    now = datetime.now(UTC)
    outlets = [
        {"id": i, "name": f"prefill-{i}", "info": {"kind": "feed"}, "created_at": now}
        for i in range(1, OUTLETS + 1)
    ]
    connection.execute(insert(OutletRow), outlets)
    rng = random.Random(seed)
    sentences = seed_sentences()
    paragraphs = [p for _ in range(200) for p in article_paragraphs(rng, sentences)]
    started = time.perf_counter()
    for start in range(0, total, BATCH):
        stop = min(start + BATCH, total)
        rows = [_article_rows(i, texts, paragraphs) for i in range(start, stop)]
        connection.execute(insert(ArticleRow), [r[0] for r in rows])
        connection.execute(insert(FetchRow), [r[1] for r in rows])
        connection.execute(insert(VersionRow), [r[2] for r in rows])
        connection.execute(
            text("UPDATE fetches SET version_id = id WHERE id BETWEEN :lo AND :hi"),
            {"lo": start + 1, "hi": start + len(rows)},
        )
        for table, key in SEARCH_TABLES:
            connection.execute(_search_insert(connection, table, key), [r[3] for r in rows])
        connection.commit()
        done = start + len(rows)
        rate = done / (time.perf_counter() - started)
        print(f"\r  {done:,} articles filed ({rate:,.0f}/s)", end="", file=sys.stderr)
    print(file=sys.stderr)
    if connection.dialect.name == "postgresql":  # explicit ids: move the sequences past them
        for table in ("outlets", "articles", "fetches", "versions"):
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT max(id) FROM {table}))"
                )
            )
        connection.commit()


def prefill(engine: Engine, total: int, seed: int, analyze: bool = True) -> float:
    """Contents and bands (``neardup.fill``), then the rest; ANALYZE; returns the seconds.

    Without ``analyze``: on a shared disk, SQLite's ANALYZE of a 1M catalog (8 GB)
    ran for over ten minutes; filing's statements are all primary-key or
    unique-index lookups, whose plans do not depend on statistics.
    """
    texts = real_texts(min(REAL_TEXTS, total), seed)
    started = time.perf_counter()
    with engine.connect() as loading:
        if engine.dialect.name == "sqlite":  # a bulk load's page cache, this connection only
            loading.exec_driver_sql(f"PRAGMA cache_size=-{LOAD_CACHE_KIB}")
        fill(loading, texts, total, seed)
        fill_articles(loading, texts, total, seed)
        if analyze:
            loading.execute(text("ANALYZE"))
        loading.commit()
    engine.dispose()  # filing starts on fresh connections with the default settings
    return time.perf_counter() - started


@dataclass
class Measured:
    engine: str
    articles: int
    prefill_seconds: float
    pages: int
    seconds: float
    outcomes: dict[str, int]
    storage_seconds: dict[str, float] = field(default_factory=dict)
    statements: list[tuple[str, int, float]] = field(default_factory=list)  # sql, calls, seconds
    catalog_bytes: int = 0  # after the prefill
    ratio: float = 0.0  # to the first size's rate in this run

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


class StatementTimes:
    """Seconds per SQL statement text over an engine's executions (``--statements``).

    Says which statement grows with the catalog when the rate is not flat.
    Commits are timed too (as ``COMMIT``): they go to the driver without a
    cursor, and they are where WAL pages are written and synced.
    """

    def __init__(self, engine: Engine) -> None:
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        commit = engine.dialect.do_commit

        def timed_commit(dbapi_connection: Any) -> None:
            started = time.perf_counter()
            try:
                commit(dbapi_connection)
            finally:
                self.seconds["COMMIT"] += time.perf_counter() - started
                self.calls["COMMIT"] += 1

        engine.dialect.do_commit = timed_commit  # type: ignore[method-assign]

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        started = conn.info["bench_started"].pop()
        key = " ".join(statement.split())[:150]
        self.seconds[key] += time.perf_counter() - started
        self.calls[key] += 1

    def top(self, count: int) -> list[tuple[str, int, float]]:
        return [(sql, self.calls[sql], round(s, 3)) for sql, s in self.seconds.most_common(count)]


def ingest(
    url: str, pages: list[Prepared], statements: int
) -> tuple[float, Counter[str], dict[str, float], list[tuple[str, int, float]]]:
    """File every page as a crawl does (:func:`file_batch`)."""
    with tempfile.TemporaryDirectory() as store:
        archive = TimedArchive.open(url, f"file://{store}")
        try:
            archive.ensure_outlet(NEW_OUTLET, kind="feed", profile="generic")
            times = StatementTimes(archive.engine) if statements else None
            outcomes: Counter[str] = Counter()
            started, cpu = time.perf_counter(), time.process_time()
            for batch in batches(pages):
                outcomes.update(filed.value for filed in file_batch(archive, batch))
            seconds = time.perf_counter() - started
            print(f"  {time.process_time() - cpu:.1f} s of CPU in this process", file=sys.stderr)
            top = times.top(statements) if times else []
            return seconds, outcomes, archive.take_seconds(), top
        finally:
            archive.close()


@dataclass
class Side:
    """One catalog of an in-turn run: where it is, how it is opened, what it was prefilled with."""

    label: str
    url: str
    total: int
    prefill_seconds: float
    size: int


def _evict_file(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)  # dirty pages cannot be dropped
        os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(descriptor)


def file_in_turn(sides: list[Side], pages: list[Prepared], statements: int) -> list[Measured]:
    """Each batch filed into one catalog then the other (which goes first alternates).

    Both catalogs see the same pages under the same load on a shared machine,
    so their ratio does not depend on what else the machine did meanwhile.
    """
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        archives = [
            TimedArchive.open(side.url, f"file://{store}")
            for side, store in zip(sides, (a, b), strict=True)
        ]
        try:
            times = []
            for archive in archives:
                archive.ensure_outlet(NEW_OUTLET, kind="feed", profile="generic")
                times.append(StatementTimes(archive.engine))
            seconds = [0.0, 0.0]
            outcomes: list[Counter[str]] = [Counter(), Counter()]
            for number, batch in enumerate(batches(pages)):
                for one in (0, 1) if number % 2 == 0 else (1, 0):
                    started = time.perf_counter()
                    filed = file_batch(archives[one], batch)
                    seconds[one] += time.perf_counter() - started
                    outcomes[one].update(outcome.value for outcome in filed)
            results = []
            for one, side in enumerate(sides):
                measured = Measured(
                    side.label,
                    side.total,
                    side.prefill_seconds,
                    len(pages),
                    seconds[one],
                    dict(outcomes[one]),
                    archives[one].take_seconds(),
                )
                measured.statements = times[one].top(statements)
                measured.catalog_bytes = side.size
                results.append(measured)
        finally:
            for archive in archives:
                archive.close()
    for measured in results:
        if measured.outcomes != {ArchiveOutcome.NEW.value: len(pages)}:
            raise SystemExit(f"filed {measured.outcomes}: the benchmark is void")
    return results


def versus(total: int, pages: list[Prepared], args: argparse.Namespace) -> list[Measured]:
    """``--versus``: one SQLite prefill, copied, filed into in turn with two URL queries.

    The original is opened with ``--catalog-options``, the copy with ``--versus``.
    """
    with bench_database(None) as engine:
        print(f"prefilling sqlite with {total:,} articles", file=sys.stderr)
        prefill_seconds = prefill(engine, total, args.seed, not args.no_analyze)
        size = catalog_bytes(engine)
        original = Path(str(engine.url.database))
        copy = original.with_name("versus.db")
        shutil.copyfile(original, copy)
        if args.cold:
            evict_from_page_cache(engine)
            _evict_file(copy)
        queries = [args.catalog_options or "", args.versus]
        sides = [
            Side(
                f"sqlite {query or 'default'}",
                f"sqlite:///{path}?{query}",
                total,
                prefill_seconds,
                size,
            )
            for path, query in zip((original, copy), queries, strict=True)
        ]
        return file_in_turn(sides, pages, args.statements)


def in_turn(totals: list[int], pages: list[Prepared], args: argparse.Namespace) -> list[Measured]:
    """``--in-turn``: two sizes prefilled, then filed into in turn with the same options."""
    sides = []
    with ExitStack() as stack:
        for total in totals:
            engine = stack.enter_context(bench_database(args.database_url))
            print(f"prefilling {engine.dialect.name} with {total:,} articles", file=sys.stderr)
            prefill_seconds = prefill(engine, total, args.seed, not args.no_analyze)
            size = catalog_bytes(engine)
            if args.cold:
                evict_from_page_cache(engine)
            url = engine.url.render_as_string(hide_password=False)
            if args.catalog_options:
                url += "?" + args.catalog_options
            sides.append(Side(engine.dialect.name, url, total, prefill_seconds, size))
        return file_in_turn(sides, pages, args.statements)


def measure_size(
    url: str | None, total: int, pages: list[Prepared], args: argparse.Namespace
) -> Measured:
    with bench_database(url) as engine:
        name = engine.dialect.name
        print(f"prefilling {name} with {total:,} articles", file=sys.stderr)
        prefill_seconds = prefill(engine, total, args.seed, not args.no_analyze)
        size = catalog_bytes(engine)
        catalog_url = engine.url.render_as_string(hide_password=False)
        if args.catalog_options:
            catalog_url += "?" + args.catalog_options
        if args.cold:
            evict_from_page_cache(engine)
        seconds, outcomes, storage, top = ingest(catalog_url, pages, args.statements)
        with engine.connect() as connection:
            articles = connection.scalar(select(func.count()).select_from(ArticleRow)) or 0
    if outcomes != {ArchiveOutcome.NEW.value: len(pages)} or articles != total + len(pages):
        raise SystemExit(f"filed {dict(outcomes)}, {articles} articles: the benchmark is void")
    measured = Measured(name, total, prefill_seconds, len(pages), seconds, dict(outcomes), storage)
    measured.statements, measured.catalog_bytes = top, size
    return measured


def catalog_bytes(engine: Engine) -> int:
    """The prefilled catalog's size: the SQLite file (checkpointed) or the PostgreSQL database."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            return int(connection.scalar(text("SELECT pg_database_size(current_database())")))
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return Path(str(engine.url.database)).stat().st_size


def evict_from_page_cache(engine: Engine) -> None:
    """``--cold``: drop the SQLite catalog's pages from the OS page cache (that file only).

    As a crawler finds a catalog that other work has pushed out of memory; a
    PostgreSQL server's own buffers cannot be emptied from here.
    """
    if engine.dialect.name != "sqlite":
        raise SystemExit("--cold is for the SQLite catalog only")
    engine.dispose()
    for path in Path(str(engine.url.database)).parent.glob("catalog.db*"):
        _evict_file(path)


def table(results: list[Measured]) -> str:
    header = (
        f"{'catalog':<24} {'prefilled':>10} {'prefill s':>10} {'pages':>6}"
        f" {'MB':>7} {'pages/s':>8} {'x first':>8}  record_and_file s"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        seconds = r.storage_seconds
        split = f"{seconds.get('record_and_file', 0):.1f}"
        lines.append(
            f"{r.engine:<24.24} {r.articles:>10,} {r.prefill_seconds:>10.0f} {r.pages:>6}"
            f" {r.catalog_bytes / 1e6:>7,.0f} {r.rate:>8.1f} {r.ratio:>8.2f}  {split}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> list[Measured]:
    print(f"extracting {args.pages} pages", file=sys.stderr)
    pages = prepare(build_pages(args.pages, ORIGIN), datetime.now(UTC))
    results: list[Measured] = []
    for total in args.articles:
        if args.in_turn:
            if total != args.articles[0]:
                continue
            measured = in_turn(args.articles, pages, args)
        elif args.versus is None:
            measured = [measure_size(args.database_url, total, pages, args)]
        else:
            measured = versus(total, pages, args)
        for one in measured:
            results.append(one)
            first = results[0] if args.versus is None and not args.in_turn else measured[0]
            one.ratio = one.rate / first.rate
            print(table([one]), file=sys.stderr)
            for sql, calls, seconds in one.statements:
                print(f"  {seconds:8.3f} s {calls:6} x {sql}", file=sys.stderr)
        if args.json:  # after every size: a long run stopped early keeps what it measured
            write_json(args.json, results, args)
    return results


def write_json(path: Path, results: list[Measured], args: argparse.Namespace) -> None:
    rows = [{**asdict(r), "pages_per_second": r.rate} for r in results]
    document = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "catalog_options": args.catalog_options,
        "cold": args.cold,
        "cores": os.cpu_count(),
        "load_average": os.getloadavg(),
        "results": rows,
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument(
        "--articles",
        type=int,
        nargs="+",
        default=[10_000, 1_000_000],
        help="catalog sizes, each prefilled afresh; ratios are to the first",
    )
    parser.add_argument("--pages", type=int, default=1000, help="new pages filed per size")
    parser.add_argument(
        "--database-url",
        help="postgresql+psycopg://USER@HOST:PORT/DB (a bench"
        " database is created beside DB and dropped); default: temporary SQLite",
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument(
        "--statements",
        type=int,
        default=0,
        metavar="N",
        help="also time every SQL statement of the filing and show the N slowest in total",
    )
    parser.add_argument(
        "--catalog-options",
        metavar="QUERY",
        help="URL query added to the catalog URL filing opens, e.g. cache_mib=0&mmap_mib=0",
    )
    parser.add_argument(
        "--versus",
        metavar="QUERY",
        help="SQLite: file the pages also into a copy of each prefilled catalog opened with"
        " this URL query, in turn page by page; ratios are then to --catalog-options's rate",
    )
    parser.add_argument(
        "--in-turn",
        action="store_true",
        help="two --articles sizes, both prefilled, then each page filed into one and the"
        " other in turn (the ratio is then free of the machine's load changing over time)",
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="SQLite: drop the catalog file from the OS page cache before filing",
    )
    parser.add_argument(
        "--no-analyze", action="store_true", help="no ANALYZE after the prefill (see prefill)"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.pages < 1 or min(args.articles) < 1:
        parser.error("--pages and --articles must be at least 1")
    if args.in_turn and (len(args.articles) != 2 or args.versus is not None):
        parser.error("--in-turn takes exactly two --articles sizes and no --versus")
    if args.versus is not None and args.database_url:
        parser.error("--versus is for the SQLite catalog only")
    if args.database_url and not _is_postgresql(args.database_url):
        parser.error("--database-url must be a postgresql+psycopg:// URL (SQLite is the default)")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    try:
        results = run(args)
    except (NewsarchiveError, DBAPIError) as exc:
        message = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        parser.exit(1, f"catalog_scale.py: {message}\n")
    print(table(results))
    print(
        f"pages/s: {args.pages} new pages filed as a crawl files them,"
        f" {BATCH_PAGES} to a transaction; {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
