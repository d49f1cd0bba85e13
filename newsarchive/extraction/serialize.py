"""An :class:`Extraction` as the JSON object the CLI prints and the flows log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from newsarchive.records import Extraction, page_date_text


def extraction_to_json(extraction: Extraction) -> dict[str, Any]:
    """Plain JSON types only; dates as ISO 8601 (a bare date when no time is known)."""
    return {
        "url": extraction.url,
        "title": extraction.title,
        "published": _iso(extraction.published),
        "modified": _iso(extraction.modified),
        "author": extraction.author,
        "language": extraction.language,
        "text": extraction.text,
        "profile": extraction.profile,
        "date_source": extraction.date_source,
        "original_source": extraction.original_source,
        "original_url": extraction.original_url,
        "sitename": extraction.sitename,
        "tags": list(extraction.tags),
    }


def _iso(value: datetime | None) -> str | None:
    return page_date_text(value) if value is not None else None
