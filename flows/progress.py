"""A run's progress as log records, and how a watcher in the same process receives it.

The flows log their progress as records of Prefect's run loggers carrying
a :class:`~newsarchive.records.Progress` (see
:class:`~newsarchive.flows.artifacts.ProgressArtifacts`), so the command
line can show it with no hook into the flow, at no cost when nobody
watches.  Importing this module does not import Prefect.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from newsarchive.records import Progress

RUN_LOGGERS = ("prefect.task_runs", "prefect.flow_runs")
PROGRESS_FIELD = "newsarchive_progress"
"""The attribute of a log record that carries its :class:`Progress`."""


class _Watcher(logging.Handler):
    def __init__(self, seen: Callable[[Progress], None]) -> None:
        super().__init__(logging.INFO)
        self.seen = seen

    def emit(self, record: logging.LogRecord) -> None:
        progress = getattr(record, PROGRESS_FIELD, None)
        if isinstance(progress, Progress):
            self.seen(progress)


@contextmanager
def watching(seen: Callable[[Progress], None]) -> Iterator[None]:
    """Call ``seen`` with each outlet's progress that runs in this process log meanwhile."""
    watcher = _Watcher(seen)
    loggers = [logging.getLogger(name) for name in RUN_LOGGERS]
    for logger in loggers:
        logger.addHandler(watcher)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeHandler(watcher)
