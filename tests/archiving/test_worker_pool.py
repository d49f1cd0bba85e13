"""The crawl's workers are forked to share what their parent loaded for them."""

from __future__ import annotations

import gc
import os
import sys
from contextlib import suppress

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
