"""A live per-outlet progress display for ``crawl`` on a terminal (never when piped).

The flows report each outlet's progress as it goes (:mod:`newsarchive.flows.progress`);
this redraws a small rich table from it, and costs nothing when it is not shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.live import Live
from rich.table import Table

from newsarchive.flows.progress import watching
from newsarchive.records import Progress


class _Board:
    """The table of the outlets seen so far, redrawn when one moves on."""

    def __init__(self, live: Live, title: str) -> None:
        self.live, self.title = live, title
        self.rows: dict[str, Progress] = {}

    def __call__(self, progress: Progress) -> None:
        self.rows[progress.outlet] = progress
        table = Table(title=self.title, title_justify="left", box=None)
        for column in ("outlet", "fetched", "ended", "budget"):
            table.add_column(column, justify="left" if column == "outlet" else "right")
        for item in self.rows.values():
            table.add_row(item.outlet, str(item.fetched), str(item.filed), str(item.budget))
        self.live.update(table)


@contextmanager
def progress_display(title: str, *, quiet: bool) -> Iterator[None]:
    """Show the crawl's progress on stderr while the block runs, if stderr is a terminal."""
    console = Console(stderr=True)
    if quiet or not console.is_terminal:
        yield
        return
    with Live(console=console, transient=True, refresh_per_second=4) as live:
        live.update(title)
        with watching(_Board(live, title)):
            yield
