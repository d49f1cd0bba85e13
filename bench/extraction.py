"""Extraction cost per page, side by side with bare trafilatura on the same pages in the same run.

Two variants over the same page bytes and URL:

- ``trafilatura`` (the baseline): ``trafilatura.extract(page, url=url, include_comments=False)``;
- ``newsarchive``: ``newsarchive.extraction.extract(page, url=url, profile="generic")``:
  decoding, metadata, dates, title and body.

Each page is extracted by both, one after the other, the order alternating from page to page
and round to round, so a machine shared with other work slows both alike.  Time is the CPU time
of this process (``time.process_time``), which other processes' load does not inflate; wall time
is reported beside it.  Pages come from the synthetic news site of ``newssite.py`` or, with
``--snippets DIR``, from every ``*.html`` under a folder (say an unpacked evaluation set; the
pages are read where they are, never copied).  Both variants get the page's URL, as a crawl
has it: the generated site's, or the one an ``evaldata.json`` in the folder gives.  Usage:
``python bench/extraction.py [--pages 300 | --snippets DIR] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import trafilatura
from newssite import build_pages

from newsarchive.errors import ExtractionError, InputError
from newsarchive.extraction import extract


@dataclass
class Timing:
    variant: str
    cpu_ms: list[float]
    wall_ms: list[float]
    empty: int = 0  # pages where the variant found no text (it still costs its time)

    @property
    def cpu_per_page(self) -> float:
        return sum(self.cpu_ms) / len(self.cpu_ms) if self.cpu_ms else 0.0

    @property
    def wall_per_page(self) -> float:
        return sum(self.wall_ms) / len(self.wall_ms) if self.wall_ms else 0.0


@dataclass(frozen=True)
class Page:
    body: bytes
    url: str | None  # both variants get it, as a crawl gives them the URL it fetched


def bare_trafilatura(page: Page) -> bool:
    return bool(trafilatura.extract(page.body, url=page.url, include_comments=False))


def newsarchive_extract(page: Page) -> bool:
    try:
        return bool(extract(page.body, url=page.url, profile="generic").text)
    except (ExtractionError, InputError):
        return False


VARIANTS: dict[str, Callable[[Page], bool]] = {
    "trafilatura (baseline)": bare_trafilatura,
    "newsarchive extract": newsarchive_extract,
}


def load_pages(snippets: Path | None, count: int | None) -> list[Page]:
    """``count`` generated pages, or the first ``count`` (default: all) pages under ``snippets``.

    A snippet folder's ``evaldata.json``, where there is one, gives the pages' URLs.
    """
    if snippets is None:
        origin = "http://bench.example"
        return [Page(p.body, origin + p.path) for p in build_pages(count or 300, origin)]
    urls = _snippet_urls(snippets)
    paths = sorted(snippets.rglob("*.html"))[:count]
    if not paths:
        raise SystemExit(f"no *.html under {snippets}")
    return [Page(path.read_bytes(), urls.get(path.name)) for path in paths]


def _snippet_urls(snippets: Path) -> dict[str, str]:
    """File name -> URL, from the snippet set's ``evaldata.json`` (keyed by URL)."""
    evaldata = next(snippets.rglob("evaldata.json"), None)
    if evaldata is None:
        return {}
    entries = json.loads(evaldata.read_text(encoding="utf-8"))
    return {Path(entry["file"]).name: url for url, entry in entries.items()}


def run(pages: list[Page], rounds: int) -> list[Timing]:
    timings = {name: Timing(name, [], []) for name in VARIANTS}
    order = list(VARIANTS)
    for _ in range(rounds):
        for page in pages:
            order.reverse()  # alternate who goes first: neither always gets the warm caches
            for name in order:
                cpu, wall = time.process_time(), time.perf_counter()
                found = VARIANTS[name](page)
                timings[name].cpu_ms.append((time.process_time() - cpu) * 1000)
                timings[name].wall_ms.append((time.perf_counter() - wall) * 1000)
                timings[name].empty += not found
    return list(timings.values())


def table(timings: list[Timing], pages: int, rounds: int) -> str:
    base = timings[0]
    header = (
        f"{'variant':<24} {'CPU ms/page':>11} {'x base':>7} {'median x':>8} "
        f"{'wall ms/page':>12} {'empty':>6}"
    )
    lines = [header, "-" * len(header)]
    for timing in timings:
        per_page = [
            ours / bare for ours, bare in zip(timing.cpu_ms, base.cpu_ms, strict=True) if bare > 0
        ]
        lines.append(
            f"{timing.variant:<24} {timing.cpu_per_page:>11.2f} "
            f"{timing.cpu_per_page / base.cpu_per_page:>7.3f} {statistics.median(per_page):>8.3f} "
            f"{timing.wall_per_page:>12.2f} {timing.empty // rounds:>6}"
        )
    lines.append(f"{pages} pages x {rounds} rounds; x base = total CPU against the baseline's")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--pages", type=int, help="pages (default: 300 generated, or all)")
    parser.add_argument("--snippets", type=Path, help="measure every *.html under this folder")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the pages (default 3)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    if (args.pages is not None and args.pages < 1) or args.rounds < 1:
        parser.error("--pages and --rounds must be at least 1")
    logging.basicConfig(level=logging.CRITICAL, stream=sys.stderr)  # trafilatura warns per page
    pages = load_pages(args.snippets, args.pages)
    size = sum(len(page.body) for page in pages) / len(pages) / 1024
    with_url = sum(page.url is not None for page in pages)
    print(
        f"{len(pages)} pages ({with_url} with their URL), {size:.0f} KB on average, "
        f"{os.cpu_count()} cores"
    )
    for page in pages[:5]:  # warm both up: imports, compiled XPaths, htmldate's caches
        for variant in VARIANTS.values():
            variant(page)
    timings = run(pages, args.rounds)
    print(table(timings, len(pages), args.rounds))
    if args.json:
        document = {
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "pages": len(pages),
            "rounds": args.rounds,
            "results": [{**asdict(t), "cpu_ms_per_page": t.cpu_per_page} for t in timings],
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
