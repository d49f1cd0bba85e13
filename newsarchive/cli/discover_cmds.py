"""``outlets discover`` and ``outlets import``: outlets from homepages and from lists.

``discover`` asks each site for its feeds and sitemaps
(:mod:`newsarchive.spiders.discovery`) and prints the ``[[outlet]]`` table
it suggests (:mod:`newsarchive.spiders.suggest`), its reasons as comments.
``import`` reads a CSV or OPML list of sources
(:mod:`newsarchive.spiders.sourcelists`), discovers the sites given only by
their homepage, and writes an outlets file that has been read back by the
outlets file's own loader; a row that cannot become an outlet is reported
on one line and left out.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from newsarchive.cli.output import echo_json
from newsarchive.config import Settings, load_settings
from newsarchive.errors import ConfigError, InputError, NewsarchiveError
from newsarchive.identity import is_http
from newsarchive.spiders.discovery import DocumentType, SiteFindings, discover_sites
from newsarchive.spiders.options import CrawlOptions
from newsarchive.spiders.outletfile import (
    checked_file,
    checked_table,
    outlet_name,
    unique_name,
)
from newsarchive.spiders.sourcelists import Skipped, Source, read_sources
from newsarchive.spiders.suggest import Judged, Suggestion, site_domain, site_label, suggest
from newsarchive.spiders.urls import on_site

Delay = Annotated[
    float,
    typer.Option("--delay", min=0, max=60, help="seconds between two requests to one site"),
]
AsJson = Annotated[bool, typer.Option("--json", help="one JSON object per URL")]


def _findings(settings: Settings, urls: Sequence[str], delay: float) -> list[SiteFindings]:
    options = CrawlOptions.from_settings(settings)
    return asyncio.run(discover_sites(urls, options=options, delay=delay))


def _nothing(found: SiteFindings) -> str:
    """The one line for a site that gave no document listing articles."""
    if found.problem and not any(d.type is not DocumentType.NOTHING for d in found.documents):
        return f"{found.problem}; no feed or sitemap found"
    readable = [d for d in found.documents if d.type is not DocumentType.NOTHING]
    if readable:
        return f"{found.url}: no feed or sitemap lists articles of the site ({len(readable)} read)"
    return f"{found.url}: no feed or sitemap found ({len(found.documents)} locations tried)"


def _overview(judged: Sequence[Judged]) -> list[str]:
    """What each document turned out to be, the ones with nothing summed on one line."""
    lines = [
        f"{j.document.type.label}: {j.document.url}: {j.summary()}"
        for j in judged
        if j.document.type is not DocumentType.NOTHING
    ]
    empty: dict[str, int] = {}
    for j in judged:
        if j.document.type is DocumentType.NOTHING:
            reason = j.document.problem or "nothing"
            empty[reason] = empty.get(reason, 0) + 1
    if empty:
        counts = "; ".join(f"{reason}: {count}" for reason, count in sorted(empty.items()))
        lines.append(f"nothing at {sum(empty.values())} other locations ({counts})")
    return lines


def _as_json(
    found: SiteFindings, judged: Sequence[Judged], suggestion: Suggestion | None
) -> dict[str, Any]:
    return {
        "url": found.url,
        "page_url": found.page_url,
        "found": suggestion is not None,
        "documents": [
            {
                "url": j.document.url,
                "type": j.document.type.value,
                "found_by": list(j.document.found_by),
                "listed": j.listed,
                "article_like": len(j.articles),
                "recent": j.recent,
                "problem": j.document.problem,
                "sitemap_index": j.document.parent,
            }
            for j in judged
        ],
        "outlet": suggestion.fields if suggestion else None,
        "reasons": {k: list(v) for k, v in suggestion.notes.items()} if suggestion else {},
        "problem": None if suggestion else _nothing(found),
    }


def _checked_urls(urls: Sequence[str]) -> None:
    for url in urls:
        if not is_http(url):
            raise InputError(f"not an http(s) URL: {url!r}")


def discover(
    urls: Annotated[list[str], typer.Argument(help="homepages (or any page) of news sites")],
    as_json: AsJson = False,
    delay: Delay = 1.0,
) -> None:
    """Find a site's feeds and sitemaps and print the [[outlet]] table to crawl it by.

    Exits 1 when a site lists no articles in any feed or sitemap found (one line each).
    """
    _checked_urls(urls)
    findings = _findings(load_settings(), urls, delay)
    now, taken, missing = datetime.now(UTC), set[str](), []
    for found in findings:
        suggestion, judged = suggest(found, now)
        table = None
        if suggestion is None:
            missing.append(_nothing(found))
        else:
            name = outlet_name(suggestion.fields["name"]) or "outlet"
            suggestion.fields["name"] = unique_name(name, taken)
            notes = {"": tuple(_overview(judged)), **suggestion.notes}
            try:
                table = checked_table(suggestion.fields, notes, found.url)[1]
            except ConfigError as exc:
                missing.append(str(exc))
        if as_json:
            echo_json(_as_json(found, judged, suggestion))
        elif table is not None:
            typer.echo(table)
    for line in missing:
        typer.echo(f"newsarchive: {line}", err=True)
    if missing:
        sys.exit(1)


def _from_document(source: Source) -> Suggestion:
    """The outlet of a feed or sitemap the list names: taken as given, not fetched."""
    domains = [site_domain(source.homepage or source.url)]
    if not on_site(source.url, domains):
        domains.append(site_domain(source.url))
    kind = "sitemap" if source.sitemap else "feed"
    why = "the list names it as a feed" if source.homepage or not source.sitemap else "a sitemap"
    note = f"{kind}: {why} (not fetched; `newsarchive outlets discover` checks a site)"
    fields = {"name": "", "kind": kind, "start_urls": [source.url], "allowed_domains": domains}
    return Suggestion(fields, {"kind": (note,)})


def _from_source(
    source: Source, findings: dict[str, SiteFindings], now: datetime
) -> Suggestion | Skipped:
    if source.document:
        suggestion = _from_document(source)
    else:
        found = findings[source.url]
        chosen, judged = suggest(found, now)
        if chosen is None:
            return Skipped(source.where, _nothing(found))
        suggestion = Suggestion(chosen.fields, {"": tuple(_overview(judged)), **chosen.notes})
    if source.collection:
        suggestion.fields["collection"] = source.collection
    if source.tags:
        suggestion.fields["tags"] = list(source.tags)
    return suggestion


def write_new_file(path: Path, text: str, *, force: bool) -> None:
    """Write ``text`` to ``path`` whole or not at all: a temporary file beside it, renamed."""
    if path.exists() and not force:
        raise InputError(f"{path}: exists already (--force replaces it)")
    temporary: Path | None = None
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False
        ) as handle:
            temporary = Path(handle.name)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
    except OSError as exc:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _row_order(skipped: Skipped) -> int:
    return int(skipped.where.split()[-1])


def import_outlets(
    file: Annotated[Path, typer.Argument(help="CSV (name,url,collection,tags) or OPML file")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="outlets file to write (default: stdout)")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="replace the --output file")] = False,
    delay: Delay = 1.0,
) -> None:
    """Make an outlets file from a CSV or OPML list, discovering the sites given by homepage.

    Rows that cannot become an outlet are reported on one line each and left out.
    """
    if output is not None and output.exists() and not force:
        raise InputError(f"{output}: exists already (--force replaces it)")
    sources, skipped = read_sources(file)
    homepages = list(dict.fromkeys(s.url for s in sources if not s.document))
    found = _findings(load_settings(), homepages, delay) if homepages else []
    findings = {f.url: f for f in found}
    now, taken, tables = datetime.now(UTC), set[str](), []
    for source in sources:
        made = _from_source(source, findings, now)
        if isinstance(made, Skipped):
            skipped.append(made)
            continue
        label = source.name or site_label(source.homepage or source.url)
        made.fields["name"] = unique_name(outlet_name(label) or "outlet", taken)
        try:
            tables.append(checked_table(made.fields, made.notes, source.where)[1])
        except ConfigError as exc:
            skipped.append(Skipped(source.where, str(exc).removeprefix(f"{source.where}: ")))
    for problem in sorted(skipped, key=_row_order):
        typer.echo(str(problem), err=True)
    if not tables:
        raise NewsarchiveError(f"{file}: no outlet could be made of it")
    header = (
        f"Outlets imported from {file.name} by `newsarchive outlets import`, "
        f"{now:%Y-%m-%d %H:%M} UTC.",
        "Each table says why it was chosen; check them with `newsarchive outlets`.",
    )
    text = checked_file(header, tables, output.name if output else "the imported outlets")
    if output is None:
        typer.echo(text, nl=False)
        return
    write_new_file(output, text, force=force)
    typer.echo(f"wrote {len(tables)} outlets to {output} ({len(skipped)} skipped)", err=True)
