"""SIGTERM stops a crawl within seconds, even when the graceful path cannot.

Prefect turns SIGTERM into a ``TerminationSignal`` raised wherever the main
thread happens to be.  While it sits in the event loop's ``select`` that
unwinds the flow cleanly; but when the signal lands inside an asyncio callback,
asyncio logs the exception and carries on, and the crawl goes on waiting for a
page that may hang for minutes.  So the SIGTERM handler that is active during
a crawl is chained: it first starts a deadline, then lets Prefect's handler
raise.  If the process is still alive when the deadline passes, it says so
once, stops its child processes (the temporary Prefect server, the extraction
workers) and exits at once.  That is safe because nothing here relies on a
clean exit: a capture is filed completely or not at all, as the SIGKILL tests
show.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

STOPPED = "newsarchive: stopped (SIGTERM)"
EXIT_CODE = 128 + signal.SIGTERM  # as shells report a process that SIGTERM stopped

_announced = threading.Lock()


def announce_stop() -> None:
    """Write the one line saying the run was stopped, however many paths get here."""
    if _announced.acquire(blocking=False):
        sys.stderr.write(STOPPED + "\n")
        sys.stderr.flush()


def _children() -> list[int]:
    """This process's child processes (the temporary Prefect server, extraction workers).

    Linux lists them per thread of the parent in ``/proc``; elsewhere none are found.
    """
    pids: list[int] = []
    for listing in Path("/proc/self/task").glob("*/children"):
        with suppress(OSError):
            pids += [int(pid) for pid in listing.read_text().split()]
    return pids


def _exit_now() -> NoReturn:
    """Stop the children, which an exit that skips clean-up would leave running, then exit."""
    announce_stop()
    for pid in _children():
        with suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    os._exit(EXIT_CODE)


def _exit_after(seconds: float) -> None:
    timer = threading.Timer(seconds, _exit_now)
    timer.daemon = True
    timer.start()


@contextmanager
def stop_within(seconds: float) -> Iterator[None]:
    """While the block runs, SIGTERM ends the process within ``seconds`` at the latest.

    Outside the main thread Python cannot install handlers, and the block
    runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    inner = signal.getsignal(signal.SIGTERM)

    def deadline_then_inner(signum: int, frame: FrameType | None) -> Any:
        if inner == signal.SIG_IGN:
            return None  # whoever started us asked for SIGTERM to be ignored
        _exit_after(seconds)
        # Unwinding the crawl drops coroutines the event loop never got to (Scrapy's
        # output workers); Python's warning about each is no news to the user.
        warnings.filterwarnings("ignore", r"coroutine .* was never awaited", RuntimeWarning)
        if callable(inner):
            return inner(signum, frame)
        _exit_now()  # the default action: stop now

    handler: Callable[[int, FrameType | None], Any] = deadline_then_inner
    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGTERM) is handler:
            signal.signal(signal.SIGTERM, inner)


def quiet_worker() -> None:
    """A pool worker's signals: SIGTERM ends it at once and silently, SIGINT is its parent's.

    Forked inside a flow, a worker inherits Prefect's SIGTERM handler, which
    raises in the worker; when a stopped crawl then signals its children, each
    idle worker printed a traceback under the crawl's one line.  A worker holds
    nothing to save: what it wrote is content-addressed and write-once.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
