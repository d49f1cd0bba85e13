"""What extraction loads on its first page, loaded ahead for processes that fork workers.

trafilatura falls back on jusText, which it gives the stop words of every
language jusText knows (about 150,000 words, built on first use); jusText
then keeps them lower-cased in a set of its own.  Together about 35 MB, built
in each process that extracts.  A crawl's process loads them just before it
forks its extraction workers, which then share that one copy (with
``gc.freeze``, see ``newsarchive.archiving.work``) instead of each building
its own (``docs/decisions/0001-per-page-work-in-forked-worker-processes.md``).
"""

from __future__ import annotations

import trafilatura.external
from justext.core import define_stoplist

from newsarchive.extraction.datelines import date_vocabulary


def load_shared_data() -> None:
    """Build jusText's stop words as trafilatura asks for them, and the date-line vocabulary."""
    stop_words = trafilatura.external.JT_STOPLIST or trafilatura.external.jt_stoplist_init()
    define_stoplist(stop_words)  # jusText's cache, keyed by trafilatura's tuple
    date_vocabulary()
