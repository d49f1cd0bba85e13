"""A page's CPU work, done in a worker process: store the raw page, extract, sign the text.

The process that runs Scrapy shares one GIL between its event loop and the
threads that file captures; every millisecond of compression, hashing,
extraction or MinHash spent there slows the crawl.  So a new page's
body goes to a worker once, and comes back as small results: where its raw
object is, its extraction, its text's digest and signature.  The caller
keeps the network and the catalog rows, and writes the text object with
the text's row, only when the text is new to the archive.

The order still holds: every object is written before a row that names it
commits (the raw page here, while extraction runs).  Objects written for a
capture whose rows never commit are harmless orphans (content-addressed,
write-once).
"""

from __future__ import annotations

import gc
import os
import stat
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from multiprocessing.context import ForkContext, ForkProcess
from pathlib import Path

from newsarchive.archiving.report import why
from newsarchive.extraction import load_shared_data
from newsarchive.records import Capture, Extraction
from newsarchive.storage import (
    ObjectStore,
    PreparedText,
    StoredRaw,
    load_signatures,
    open_store,
    sign_text,
    store_raw,
)
from newsarchive.termination import quiet_worker

Extract = Callable[[Capture, str], Extraction]


@dataclass(frozen=True, slots=True)
class PageJob:
    """One fetched page to work on; ``raw`` is set when its bytes are stored already."""

    capture: Capture
    profile: str
    store_url: str
    body_sha256: str
    raw: StoredRaw | None = None


@dataclass(frozen=True, slots=True)
class PageWork:
    """What came of a page: its stored raw object, then its signed text or why there is none."""

    raw: StoredRaw
    extraction: Extraction | None = None
    text: PreparedText | None = None
    failure: str | None = None  # why extraction failed


def work_on(job: PageJob, extract: Extract, store: ObjectStore | None = None) -> PageWork:
    """Store, extract, sign; a module-level function so a process pool can pickle it.

    ``store`` is the caller's own when run in its process; a worker opens the
    store by its URL once.  The raw page is written on a thread of its own
    while the page is extracted: against S3 across a network a write is a
    round trip of tens of milliseconds, which extraction's own time then
    hides.  An extraction that raises is reported, not raised: the raw page
    is kept and the capture is recorded as failed.  A store that fails
    raises: no row will name the page, and the next run fetches it again.
    """
    store = store if store is not None else _opened(job.store_url)
    capture = job.capture
    with ThreadPoolExecutor(1, "raw-put") as writer:
        raw = writer.submit(_stored_raw, job, store)
        try:
            extraction = extract(capture, job.profile)
        except Exception as exc:
            return PageWork(raw.result(), failure=why("extraction", exc))
        text = sign_text(extraction.text) if extraction.text.strip() else None
        return PageWork(raw.result(), extraction, text)


def _stored_raw(job: PageJob, store: ObjectStore) -> StoredRaw:
    capture = job.capture
    return job.raw or store_raw(
        store, capture.outlet, capture.fetched_at, capture.body, job.body_sha256
    )


@cache
def _opened(store_url: str) -> ObjectStore:
    """The worker's store, opened once per process (an S3 client is not cheap to make)."""
    return open_store(store_url)


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool for :func:`work_on`; its workers are forked at its first job.

    Forked so that they share, instead of copying, what the crawl's process
    loaded (see :class:`_SharingPool`); each starts as :func:`_start_worker` says.
    """
    return _SharingPool(
        workers,
        mp_context=_SharingForkContext(),
        initializer=_start_worker,
        initargs=(os.getpid(),),
    )


PARENT_CHECK_SECONDS = 1.0


def _start_worker(parent: int) -> None:
    """A forked worker lets go of its parent's sockets, quiets its signals, and dies with it.

    Forked in the middle of a crawl, a worker holds a copy of every socket
    its parent had open; a connection the crawl closes then stays open at
    the other end for as long as the worker lives, and a listening socket
    stays bound.  A worker needs none of them (it opens its own store
    client; its parent's pipes are not sockets).  And a worker whose parent
    was killed outright has no one to give its results to, yet would live
    on, orphaned, holding its memory: it ends as soon as it sees that.
    """
    _close_sockets()
    quiet_worker()
    threading.Thread(target=_watch_parent, args=(parent,), name="parent-watch", daemon=True).start()


def _close_sockets() -> None:
    """Close every socket this process holds (Linux lists them in ``/proc``; elsewhere none).

    Each is replaced by ``/dev/null`` rather than closed, so that its number
    is not reused: the parent's socket objects, inherited, still name it.
    """
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        return
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for fd in [int(entry.name) for entry in fds.iterdir()]:
            with suppress(OSError):
                if stat.S_ISSOCK(os.fstat(fd).st_mode):
                    os.dup2(null, fd)
    finally:
        os.close(null)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


class _SharingPool(ProcessPoolExecutor):
    """A pool whose workers share their parent's memory for as long as it runs.

    Just before each fork the parent loads what every worker would otherwise
    load on its own (datasketch, for the signatures; jusText's stop
    words, for extraction) and freezes its objects (``gc.freeze``), so that
    no garbage collector, the workers' or the parent's, writes to the objects
    both hold: their pages stay shared rather than being copied into each
    process.  The parent's objects are unfrozen when the pool shuts down and
    are collected as before from then on; frozen meanwhile, the crawl's
    objects of the moment of the fork wait until then: measured, that kept
    the whole tree's peak memory lower than unfreezing the parent after each
    fork (``docs/decisions/0001-per-page-work-in-forked-worker-processes.md``).
    """

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait, cancel_futures=cancel_futures)
        gc.unfreeze()


class _SharingFork(ForkProcess):
    """A worker forked from a parent that has loaded and frozen what they share."""

    def start(self) -> None:
        load_signatures()
        load_shared_data()
        gc.freeze()
        super().start()


class _SharingForkContext(ForkContext):
    Process = _SharingFork
