"""Filing a page requisite: stored once by digest, never extracted, never an article.

Requisite fetches arrive on the same path as article fetches (see
:mod:`newsarchive.spiders.requisites`); the capture core hands them here
first, so run reports count articles only.
"""

from __future__ import annotations

import logging

from newsarchive.errors import NewsarchiveError
from newsarchive.records import ArchiveOutcome, Fetch
from newsarchive.storage import Archive

log = logging.getLogger(__name__)


def file_requisite(archive: Archive, fetch: Fetch) -> ArchiveOutcome:
    """NEW when the bytes were new to the archive, UNCHANGED when kept already."""
    if fetch.capture is None:
        return ArchiveOutcome.FAILED
    try:
        new = archive.record_requisite(fetch.capture)
    except NewsarchiveError as exc:  # a lost stylesheet must not cost the run its articles
        log.warning("%s: requisite %s not kept: %s", fetch.outlet, fetch.url, exc)
        return ArchiveOutcome.FAILED
    return ArchiveOutcome.NEW if new else ArchiveOutcome.UNCHANGED
