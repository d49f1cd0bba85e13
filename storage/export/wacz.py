"""WACZ packaging of a WARC export, by the ``wacz`` package (py-wacz, Webrecorder).

A WACZ is the WARC plus its CDXJ index, a page list and a data-package
manifest with hashes, in one ZIP file that ReplayWeb.page and pywb open
directly.  The page list names every captured article page with its title
and the time it was captured, so the reader starts from the articles rather
than from a list of URLs.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterable
from datetime import UTC
from pathlib import Path

from wacz.main import main as wacz_main

from newsarchive.errors import InputError, StorageError
from newsarchive.storage.export import warc
from newsarchive.storage.export.format import (
    ExportedPage,
    ExportFormat,
    ExportRequest,
    ExportStats,
)
from newsarchive.storage.reader import ReadOnlyArchive


def _page_line(page: ExportedPage) -> str:
    when = page.captured_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    entry = {"url": page.url, "ts": when, "title": page.title or page.url}
    if page.text:  # ReplayWeb.page's search reads a page's words from here
        entry["text"] = page.text
    return json.dumps(entry, ensure_ascii=False)


def _description(stats: ExportStats, request: ExportRequest) -> str:
    """What the package holds and who made it, for the reader's collection list."""
    fields = dict(request.provenance)
    what = f"{stats.captures} captures of news articles"
    if request.outlet:
        what += f" of {request.outlet}"
    if request.since:
        what += f" taken since {request.since.isoformat()}"
    made = f", archived by {fields['operator']}" if "operator" in fields else ""
    return f"{what}: each page as fetched, its cleaned text and metadata{made} (newsarchive)"


def write_wacz(
    warc: Path,
    pages: Iterable[ExportedPage],
    target: Path,
    *,
    title: str,
    description: str = "",
) -> None:
    """Package ``warc`` as the WACZ file ``target`` (which must not exist yet)."""
    pages_file = target.with_name(f".{target.name}.pages.jsonl")
    header = json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "Articles"})
    lines = [header, *map(_page_line, pages)]
    pages_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    chatter = io.StringIO()  # the wacz command reports its progress on stdout
    try:
        with contextlib.redirect_stdout(chatter):
            code = wacz_main(
                ["create", "-o", str(target), str(warc), "-p", str(pages_file),
                 "--hash-type", "sha256", "--title", title, "--desc", description]
            )  # fmt: skip
    finally:
        pages_file.unlink(missing_ok=True)
    if code:
        last = chatter.getvalue().strip().splitlines()[-1:] or ["no reason given"]
        raise StorageError(f"WACZ packaging of {warc.name} failed: {last[0]}")


def write_package(
    archive: ReadOnlyArchive, request: ExportRequest, folder: Path, name: str
) -> ExportStats:
    """The WACZ package ``name``, made from a gzipped WARC of the selection."""
    if not request.gzip:
        raise InputError("a WACZ always holds a gzipped WARC; plain WARC is for .warc files")
    stem = name.removesuffix(".wacz")
    packed = folder / f"{stem}.warc.gz"  # its name inside the package
    with packed.open("wb") as out:
        stats = warc.write_warc(
            archive,
            out,
            outlet=request.outlet,
            since=request.since,
            urls=request.urls,
            filename=f"{stem}.warc.gz",
            provenance=request.provenance,
        )
    write_wacz(
        packed, stats.pages, folder / name, title=f"newsarchive export {stem}",
        description=_description(stats, request),
    )  # fmt: skip
    return stats


FORMAT = ExportFormat(name="WACZ", suffixes=(".wacz",), write=write_package)
"""One ZIP of the WARC, its index, a page list and a manifest: what ReplayWeb.page opens."""
