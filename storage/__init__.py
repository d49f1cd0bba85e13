"""The archive core: SQL catalog, write-once object store, dedup and versions.

Knows bytes and records only (no Scrapy, Prefect or trafilatura): callers
hand it :mod:`newsarchive.records` values and get the results below back.
"""

from newsarchive.storage.archive import Archive
from newsarchive.storage.objects import ObjectMissing, ObjectStore, open_store
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

__all__ = [
    "Archive",
    "ArticleSummary",
    "CaptureInfo",
    "ExtractionState",
    "FetchRecord",
    "ObjectMissing",
    "ObjectStore",
    "SearchHit",
    "Snapshot",
    "VerifyReport",
    "VersionInfo",
    "open_store",
]
