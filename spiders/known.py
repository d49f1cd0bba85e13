"""What the archive fetched before, asked for as the spiders find articles.

An article the archive fetched before is requested conditionally
(``If-None-Match``, ``If-Modified-Since``), so an unchanged page costs a 304
and no download.  The spiders ask once per discovery document (a feed, a
sitemap, a listing page) for the articles it lists: the archive is read for
what a run may fetch, never for everything it holds, which grows without
bound.  Who answers is the caller's business; in the subprocess mode the
child asks its parent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

from newsarchive.records import Validators

logger = logging.getLogger(__name__)

Known = Callable[[str, Sequence[str]], Mapping[str, Validators]]
"""(outlet name, article keys) -> validators of those of the keys fetched before."""


def ask(known: Known | None, outlet: str, keys: Sequence[str]) -> Mapping[str, Validators]:
    """``known``'s answer for ``keys``; one that fails is logged and taken as none known.

    Unconditional requests cost bytes, and the archive still finds an
    unchanged text unchanged; a failed lookup must not cost the articles.
    """
    if known is None or not keys:
        return {}
    try:
        return known(outlet, keys)
    except Exception as exc:  # whatever the archive's trouble, the crawl goes on
        logger.warning("%s: validators of %d articles unknown (%s)", outlet, len(keys), exc)
        return {}
