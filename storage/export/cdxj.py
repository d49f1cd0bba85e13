"""The CDXJ index of a WARC, made by the web-archiving ecosystem's own indexer.

Replay tools find a capture by its SURT key and 14-digit timestamp; they
only find it if the key is made exactly as they make theirs (which ``www``
labels go, what happens to a final slash, how the query is sorted).  So
the index is not computed here but by ``cdxj-indexer`` (the Webrecorder
indexer behind pywb's and ReplayWeb.page's tooling), reading the WARC as
written, so offsets and lengths are those of the file itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from cdxj_indexer.main import CDXJIndexer

INDEXED_RECORDS = "response,revisit,resource,metadata"
"""The indexer's default record types, named here because importing ``wacz`` adds
``warcinfo`` to that default for the whole process."""


def write_cdxj(warc: Path, out: IO[str], *, filename: str | None = None) -> None:
    """Write the sorted CDXJ lines of ``warc`` to ``out``, naming the file ``filename``.

    Responses, revisits and the metadata and text records are indexed, the
    last two under their own ``urn:`` keys.
    """
    indexer = CDXJIndexer(
        out, [str(warc)], sort=True, filename=filename or warc.name, records=INDEXED_RECORDS
    )
    indexer.process_all()
