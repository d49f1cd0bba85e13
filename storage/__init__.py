"""The archive: a SQL catalog and a write-once object store, and what is filed in them.

Knows bytes and records only (no Scrapy, Prefect or trafilatura): callers
hand it :mod:`newsarchive.records` values and get the values below back.
This module is storage's public face, and the only one the other rooms
import (with :mod:`newsarchive.storage.export`, kept apart so that the
export libraries load only for an export).  Behind it, the rooms of
storage:

* :mod:`.catalog`: the tables, their migrations, connecting on SQLite or
  PostgreSQL, site leases;
* :mod:`.objects`: the object stores (``file://``, ``s3://``) and how
  things are laid out in them;
* :mod:`.filing`: a crawl's entries turned into rows: fetches, articles,
  versions, deduplication, 304s, requisites;
* :mod:`.reading`: snapshots, captures and Memento, search, the fixity
  audit;
* :mod:`.export`: WARC, CDXJ and WACZ.

:class:`ReadOnlyArchive` reads; :class:`Archive` reads and files.
"""

from newsarchive.storage.archive import Archive
from newsarchive.storage.catalog.leases import Busy, Holder
from newsarchive.storage.filing.batch import (
    Entry,
    ExtractedPage,
    FailedPage,
    GonePage,
    KeptRequisite,
    fetch_of,
)
from newsarchive.storage.filing.neardup import load_signatures
from newsarchive.storage.filing.texts import PreparedText, sign_text
from newsarchive.storage.objects import ObjectMissing, ObjectStore, open_store, sha256_hex
from newsarchive.storage.objects.rawpages import StoredRaw, store_raw
from newsarchive.storage.reader import ReadOnlyArchive
from newsarchive.storage.reading import memento
from newsarchive.storage.reading.captures import MEMENTO_STAMP, at_stamp, memento_stamp, nearest
from newsarchive.storage.reading.cdx import (
    DIGEST_ALGORITHM,
    CdxQuery,
    MatchType,
    payload_digest,
)
from newsarchive.storage.reading.fulltext import Filters
from newsarchive.storage.reading.snapshots import Window
from newsarchive.storage.results import (
    ArticleSummary,
    CaptureInfo,
    CdxLine,
    Change,
    ExtractionState,
    FetchRecord,
    KnownArticle,
    Polled,
    RosterEntry,
    SearchHit,
    Snapshot,
    VerifyReport,
    VersionInfo,
)

__all__ = [
    "DIGEST_ALGORITHM",
    "MEMENTO_STAMP",
    "Archive",
    "ArticleSummary",
    "Busy",
    "CaptureInfo",
    "CdxLine",
    "CdxQuery",
    "Change",
    "Entry",
    "ExtractedPage",
    "ExtractionState",
    "FailedPage",
    "FetchRecord",
    "Filters",
    "GonePage",
    "Holder",
    "KeptRequisite",
    "KnownArticle",
    "MatchType",
    "ObjectMissing",
    "ObjectStore",
    "Polled",
    "PreparedText",
    "ReadOnlyArchive",
    "RosterEntry",
    "SearchHit",
    "Snapshot",
    "StoredRaw",
    "VerifyReport",
    "VersionInfo",
    "Window",
    "at_stamp",
    "fetch_of",
    "load_signatures",
    "memento",
    "memento_stamp",
    "nearest",
    "open_store",
    "payload_digest",
    "sha256_hex",
    "sign_text",
    "store_raw",
]
