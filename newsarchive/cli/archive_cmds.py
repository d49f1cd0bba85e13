"""Retrieval for archivists: ``list``, ``get``, ``history``, ``timemap``, ``search``, ``verify``."""

from __future__ import annotations

import difflib
import json
import sys
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from newsarchive.cli.archives import open_archive
from newsarchive.cli.output import echo_json, iso, write_file
from newsarchive.errors import InputError, NotFoundError
from newsarchive.moments import Edge, parse_moment

if TYPE_CHECKING:
    from newsarchive.storage import CaptureInfo, Snapshot

DEFAULT_BASE = "http://127.0.0.1:8000"
"""Where ``newsarchive web`` listens unless told otherwise."""

JsonOption = Annotated[bool, typer.Option("--json", help="one JSON object per line")]


def _plain(obj: Any) -> dict[str, Any]:
    return {k: iso(v) if hasattr(v, "isoformat") else v for k, v in asdict(obj).items()}


PublishedSince = Annotated[
    str | None,
    typer.Option(help="published on or after DATE or ISO 8601 time (first seen if undated)"),
]
PublishedUntil = Annotated[
    str | None, typer.Option(help="published on or before DATE (its whole day) or time")
]
ArchivedSince = Annotated[
    str | None, typer.Option(help="first archived on or after DATE or ISO 8601 time")
]
ArchivedUntil = Annotated[
    str | None, typer.Option(help="first archived on or before DATE (its whole day) or time")
]


def list_articles(
    outlet: Annotated[str | None, typer.Option(help="only this outlet")] = None,
    since: PublishedSince = None,
    until: PublishedUntil = None,
    archived_since: ArchivedSince = None,
    archived_until: ArchivedUntil = None,
    as_json: JsonOption = False,
) -> None:
    """List archived articles, one per canonical URL, in the order they were first archived."""
    from newsarchive.storage import Window

    window = Window(
        since=parse_moment(since, "--since"),
        until=parse_moment(until, "--until", Edge.END),
        archived_since=parse_moment(archived_since, "--archived-since"),
        archived_until=parse_moment(archived_until, "--archived-until", Edge.END),
    )
    count = 0
    with open_archive() as archive:
        for article in archive.list_articles(outlet, window):
            count += 1
            row = _plain(article)
            if as_json:
                echo_json(row)
            else:
                dup = f"  (duplicate of {row['duplicate_of']})" if row["duplicate_of"] else ""
                typer.echo(
                    f"{(row['published'] or '-')[:10]:<10}  {row['outlet']:<10} v{row['versions']}"
                    f"  {row['url']}{dup}\n{'':<12}{row['title'] or '(untitled)'}"
                )
    if not count:
        raise NotFoundError(
            "no archived articles match" if outlet or window != Window() else "the archive is empty"
        )


def get(
    url: Annotated[str, typer.Argument(help="article URL")],
    at: Annotated[
        str | None,
        typer.Option(help="the capture nearest to this time (ISO 8601 or a Wayback timestamp)"),
    ] = None,
    raw: Annotated[bool, typer.Option("--raw", help="the HTML bytes exactly as fetched")] = False,
    text: Annotated[bool, typer.Option("--text", help="the cleaned text (default)")] = False,
    meta: Annotated[bool, typer.Option("--meta", help="the metadata as JSON")] = False,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="write to FILE")] = None,
) -> None:
    """Retrieve one snapshot of an article."""
    if raw + text + meta > 1:
        raise InputError("choose one of --raw, --text, --meta")
    at_time = parse_moment(at, "--at")
    with open_archive() as archive:
        capture: CaptureInfo | None
        if at_time is None:
            snapshot, capture = archive.snapshot(url), archive.captures(url)[-1]
        else:
            snapshot = archive.nearest_snapshot(url, at_time)
            capture = snapshot.capture
    note = _capture_note(snapshot, capture, at_time is not None)
    if note:
        typer.echo(f"newsarchive: {note}", err=True)
    if raw:
        data = snapshot.raw
    elif meta:
        data = (
            json.dumps(snapshot.meta, ensure_ascii=False, indent=2, default=str) + "\n"
        ).encode()
    else:  # a gone page's capture served no text: nothing to print
        data = (snapshot.text.rstrip("\n") + "\n").encode() if snapshot.text else b""
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        write_file(output, data)


def _capture_note(snapshot: Snapshot, capture: CaptureInfo | None, asked_at: bool) -> str:
    """What ``get`` says on stderr: which capture answered ``--at`` (it may lie on either
    side of the time), and whether the page was gone then, or is now."""
    last = f"version {snapshot.version} is the last text archived"
    gone = capture.gone_note() if capture is not None and capture.gone else None
    if not asked_at:
        return f"{gone} ({last})" if gone else ""
    seen = f"capture of {iso(snapshot.fetched_at)}"
    if gone:
        return f"{seen}: {gone} (the page as served, no text; {last})"
    return f"{seen} (version {snapshot.version})"


def history(
    url: Annotated[str, typer.Argument(help="article URL")],
    as_json: JsonOption = False,
    diff: Annotated[
        bool, typer.Option("--diff", help="show text changes between versions")
    ] = False,
) -> None:
    """Show every version of an article over time, and when it was gone."""
    with open_archive() as archive:
        versions = archive.history(url)
        spans = _gone_spans(archive.captures(url))
        previous: str | None = None
        for version in versions:
            for gone, back in [span for span in spans if span[0].fetched_at < version.fetched_at]:
                _echo_gone(gone, back, as_json)
                spans.remove((gone, back))
            row = _plain(version)
            if as_json:
                echo_json(row)
            else:
                typer.echo(
                    f"v{row['version']}  {row['fetched_at']}  sha256:{row['sha256'][:16]}  "
                    f"{row.get('title') or ''}"
                )
            if diff:
                current = archive.snapshot(url, at=version.fetched_at).text
                if previous is not None:
                    typer.echo(_text_diff(previous, current, version.version), nl=False)
                previous = current
        for gone, back in spans:
            _echo_gone(gone, back, as_json)


def _gone_spans(found: list[CaptureInfo]) -> list[tuple[CaptureInfo, datetime | None]]:
    """Each time the page went: its first gone capture, and when a capture served it again."""
    spans: list[tuple[CaptureInfo, datetime | None]] = []
    for before, capture in zip([None, *found], found, strict=False):
        if capture.gone and (before is None or not before.gone):
            spans.append((capture, None))
        elif not capture.gone and before is not None and before.gone:
            spans[-1] = (spans[-1][0], capture.fetched_at)
    return spans


def _echo_gone(gone: CaptureInfo, back: datetime | None, as_json: bool) -> None:
    if as_json:
        echo_json(
            {"gone_since": iso(gone.fetched_at), "status": gone.status,
             "location": gone.location, "back": iso(back) if back else None}
        )  # fmt: skip
        return
    typer.echo(gone.gone_note() + (f", back at {iso(back)}" if back else ""))


def timemap(
    url: Annotated[str, typer.Argument(help="article URL")],
    base: Annotated[
        str, typer.Option(help="where `newsarchive web` serves the mementos")
    ] = DEFAULT_BASE,
) -> None:
    """Print the Memento TimeMap (RFC 7089 link format) of an article: one memento per capture."""
    if not base.startswith(("http://", "https://")):
        raise InputError(f"--base must be an http(s) URL, not {base!r}")
    from newsarchive.storage import memento

    with open_archive() as archive:
        found = archive.captures(url)
    typer.echo(memento.timemap(base, found[0].url, found), nl=False)


def _text_diff(before: str, after: str, version: int) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"v{version - 1}",
        tofile=f"v{version}",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def search(
    query: Annotated[
        str,
        typer.Argument(
            help='words to find; "a phrase", a OR b, -excluded, prefix* (latest text by default)'
        ),
    ],
    outlet: Annotated[str | None, typer.Option(help="only this outlet")] = None,
    since: PublishedSince = None,
    until: PublishedUntil = None,
    archived_since: ArchivedSince = None,
    archived_until: ArchivedUntil = None,
    all_versions: Annotated[
        bool, typer.Option("--all-versions", help="search every version's text, not the latest")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="most results")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Full-text search; copies of an article are listed under the article they copy."""
    from newsarchive.storage import Filters

    if not query.strip():
        raise InputError("the search query is empty")
    filters = Filters(
        outlet=outlet,
        since=parse_moment(since, "--since"),
        until=parse_moment(until, "--until", Edge.END),
        archived_since=parse_moment(archived_since, "--archived-since"),
        archived_until=parse_moment(archived_until, "--archived-until", Edge.END),
        all_versions=all_versions,
    )
    with open_archive() as archive:
        hits = archive.search(query, limit=limit, filters=filters)
    if not hits:
        raise NotFoundError(f"nothing matches {query!r}")
    for hit in hits:
        row = _plain(hit)
        if as_json:
            echo_json(row)
            continue
        version = f"  ({', '.join(f'v{n}' for n in hit.versions)})" if all_versions else ""
        typer.echo(f"{row['url']}{version}\n    {row.get('title') or ''}\n    {row['snippet']}")
        for copy in hit.duplicates:
            typer.echo(f"    copied at {copy}")


def verify(
    sample: Annotated[
        int | None, typer.Option(min=1, help="check a random sample of N objects")
    ] = None,
    as_json: JsonOption = False,
    remove_leftovers: Annotated[
        bool,
        typer.Option(
            "--remove-leftovers", help="remove the temporary files killed writers left in the store"
        ),
    ] = False,
) -> None:
    """Re-read stored objects and compare their SHA-256 with the catalog; exit 1 on any loss.

    Also lists the temporary files that writers killed mid-write left in a
    directory store (older than an hour, named by no row); they are no loss.
    """
    with open_archive() as archive:
        report = archive.verify(sample=sample, remove_leftovers=remove_leftovers)
    row = _plain(report)
    if as_json:
        echo_json(row)
    else:
        typer.echo(
            f"checked {row['checked']} objects: {len(row['missing'])} missing, "
            f"{len(row['corrupted'])} corrupted, {len(row['unreadable'])} unreadable"
        )
        for kind in ("missing", "corrupted", "unreadable"):
            for key in row[kind]:
                typer.echo(f"{kind:<11}{key}")
        if report.leftovers:
            done = (
                "removed" if report.leftovers_removed else "left (--remove-leftovers removes them)"
            )
            typer.echo(f"{len(report.leftovers)} temporary files of killed writes {done}")
        for name in report.leftovers:
            typer.echo(f"{'leftover':<11}{name}")
    if not report.ok:
        sys.exit(1)
