"""A live per-outlet progress display for ``crawl`` on a terminal (never when piped).

The flows log their progress as records carrying a ``newsarchive_progress``
value (see :class:`newsarchive.flows.artifacts.ProgressArtifacts`); a logging
handler picks those up in this process and redraws a small rich table, so the
display needs no hook into the flow and costs nothing when it is not shown.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

RUN_LOGGERS = ("prefect.task_runs", "prefect.flow_runs")


class _ProgressHandler(logging.Handler):
    def __init__(self, live: Live, title: str) -> None:
        super().__init__(logging.INFO)
        self.live = live
        self.title = title
        self.rows: dict[str, Any] = {}

    def emit(self, record: logging.LogRecord) -> None:
        progress = getattr(record, "newsarchive_progress", None)
        if progress is None:
            return
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
        handler = _ProgressHandler(live, title)
        loggers = [logging.getLogger(name) for name in RUN_LOGGERS]
        for logger in loggers:
            logger.addHandler(handler)
        try:
            yield
        finally:
            for logger in loggers:
                logger.removeHandler(handler)
