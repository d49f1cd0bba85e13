"""An :class:`Extraction` as the JSON object the CLI prints: the codec's encoding, fewer fields.

The archive keeps the whole record (date candidates, description ...); the
command line prints the fields of its documented contract, in that order.
"""

from __future__ import annotations

from typing import Any

from newsarchive import codec
from newsarchive.records import Extraction

CLI_FIELDS = (
    "url",
    "title",
    "published",
    "modified",
    "author",
    "language",
    "text",
    "profile",
    "date_source",
    "original_source",
    "original_url",
    "sitename",
    "tags",
)


def extraction_to_json(extraction: Extraction) -> dict[str, Any]:
    """Plain JSON types only; dates as ISO 8601 (a bare date when no time is known)."""
    whole = codec.to_json(extraction)
    return {name: whole[name] for name in CLI_FIELDS}
