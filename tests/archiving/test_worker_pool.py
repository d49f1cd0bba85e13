"""The crawl's workers are forked to share what their parent loaded for them."""

from __future__ import annotations

import gc
import os
import sys

from newsarchive.archiving.work import worker_pool


def inside_the_worker() -> tuple[int, bool, int]:
    return os.getpid(), "datasketch" in sys.modules, gc.get_freeze_count()


def test_workers_start_with_the_signatures_loaded_and_their_inheritance_frozen() -> None:
    with worker_pool(2) as pool:
        pid, loaded, frozen = pool.submit(inside_the_worker).result(timeout=60)
    assert pid != os.getpid()
    assert loaded  # loaded by the parent before the fork, so shared, not loaded again
    assert frozen > 10_000  # the parent's objects: the worker's collector leaves them alone
    assert gc.get_freeze_count() == 0  # while the parent collects its own as before
    assert "datasketch" in sys.modules
