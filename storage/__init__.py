"""The archive core: SQL catalog, write-once object store, dedup and versions.

Knows bytes and records only (no Scrapy, Prefect or trafilatura): callers
hand it :mod:`newsarchive.records` values and get the results below back.
"""

from newsarchive.storage.archive import Archive
from newsarchive.storage.batch import Entry, ExtractedPage, FailedPage, KeptRequisite
from newsarchive.storage.neardup import load_signatures
from newsarchive.storage.objects import ObjectMissing, ObjectStore, open_store, sha256_hex
from newsarchive.storage.rawpages import StoredRaw, store_raw
from newsarchive.storage.results import (
    ArticleSummary,
    CaptureInfo,
    ExtractionState,
    FetchRecord,
    SearchHit,
    Snapshot,
    VerifyReport,
    VersionInfo,
)
from newsarchive.storage.texts import PreparedText, sign_text

__all__ = [
    "Archive",
    "ArticleSummary",
    "CaptureInfo",
    "Entry",
    "ExtractedPage",
    "ExtractionState",
    "FailedPage",
    "FetchRecord",
    "KeptRequisite",
    "ObjectMissing",
    "ObjectStore",
    "PreparedText",
    "SearchHit",
    "Snapshot",
    "StoredRaw",
    "VerifyReport",
    "VersionInfo",
    "load_signatures",
    "open_store",
    "sha256_hex",
    "sign_text",
    "store_raw",
]
