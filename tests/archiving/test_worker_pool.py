"""The crawl's workers are forked to share what their parent loaded for them."""

from __future__ import annotations

import gc
import os
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time
from contextlib import suppress
from pathlib import Path

import pytest
import trafilatura.external
from justext.core import define_stoplist

from newsarchive.archiving.work import worker_pool
from newsarchive.errors import ExtractionError
from newsarchive.extraction import extract

# Short enough that trafilatura checks its text with jusText, which needs the stop words.
SHORT_PAGE = b"""<html><head><title>Talks resume</title></head><body><article>
<h1>Talks resume</h1><p>Officials from both sides met on Monday in the capital.</p>
<p>They agreed to meet again next week, a spokesman said.</p></article></body></html>"""


def inside_the_worker() -> tuple[int, bool, int]:
    return os.getpid(), "datasketch" in sys.modules, gc.get_freeze_count()


def stop_words_in_the_worker() -> tuple[int, int, int]:
    """The stop words' address before and after a page, and how often jusText built its set."""
    before, misses = id(trafilatura.external.JT_STOPLIST), define_stoplist.cache_info().misses
    with suppress(ExtractionError):  # what jusText was given is the point, not the text
        extract(SHORT_PAGE, url="https://example.org/2026/talks.html")
    after = id(trafilatura.external.JT_STOPLIST)
    return before, after, define_stoplist.cache_info().misses - misses


def test_workers_start_with_the_signatures_loaded_and_their_inheritance_frozen() -> None:
    with worker_pool(2) as pool:
        pid, loaded, frozen = pool.submit(inside_the_worker).result(timeout=60)
        frozen_in_the_parent = gc.get_freeze_count()
    assert pid != os.getpid()
    assert loaded  # loaded by the parent before the fork, so shared, not loaded again
    assert frozen > 10_000  # the parent's objects: the worker's collector leaves them alone
    assert frozen_in_the_parent >= frozen  # nor the parent's, while the workers run
    assert gc.get_freeze_count() == 0  # once they are gone, the parent collects them as before
    assert "datasketch" in sys.modules


def test_workers_extract_with_the_stop_words_their_parent_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(trafilatura.external, "JT_STOPLIST", None)  # as in a fresh crawl
    define_stoplist.cache_clear()
    with worker_pool(1) as pool:
        before, after, built = pool.submit(stop_words_in_the_worker).result(timeout=60)
    parents = id(trafilatura.external.JT_STOPLIST)
    assert trafilatura.external.JT_STOPLIST is not None
    assert before == after == parents  # the parent's stop words, inherited and used
    assert built == 0  # jusText's lower-cased set came made, from the parent's cache


def sockets_held() -> int:
    fds = [int(entry.name) for entry in Path("/proc/self/fd").iterdir()]
    return sum(1 for fd in fds if _is_socket(fd))


def _is_socket(fd: int) -> bool:
    with suppress(OSError):
        return stat.S_ISSOCK(os.fstat(fd).st_mode)
    return False


def test_a_worker_holds_none_of_its_parents_connections() -> None:
    """A connection the crawl closes is closed at the other end, workers or not."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        ours = socket.create_connection(server.getsockname())
        theirs, _ = server.accept()
        with theirs, worker_pool(1) as pool:
            assert pool.submit(sockets_held).result(timeout=60) == 0
            ours.close()  # while the worker, forked after it opened, still runs
            theirs.settimeout(10)
            assert theirs.recv(1) == b""  # the end of the stream, not a wait


ORPHAN = textwrap.dedent(
    """
    import os, time
    from newsarchive.archiving.work import worker_pool
    pool = worker_pool(1)
    print(pool.submit(os.getpid).result(timeout=60), flush=True)
    time.sleep(600)
    """
)


def alive(pid: int) -> bool:
    """Running, that is: neither gone nor a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_workers_end_when_their_parent_is_killed() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", ORPHAN], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        assert parent.stdout is not None
        worker = int(parent.stdout.readline())
        assert alive(worker)
        parent.send_signal(signal.SIGKILL)  # the crawl's process alone, as an OOM killer would
        parent.wait(timeout=30)
        deadline = time.monotonic() + 30
        while alive(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not alive(worker), "the worker outlived its parent"
    finally:
        with suppress(ProcessLookupError):
            os.killpg(parent.pid, signal.SIGKILL)
