"""Fetch records as JSON lines, for the crawl that runs in a child process.

The child writes one line per :class:`Fetch` (bodies base64-encoded) to its
stdout as it happens, so the parent can hand each page on without waiting
for the whole crawl.  The round trip is exact: what the parent rebuilds
equals what the child's spider produced.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from newsarchive.records import Capture, Discovery, Fetch, FetchOutcome, Headers, Validators


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def discovery_to_json(discovery: Discovery | None) -> dict[str, Any] | None:
    if discovery is None:
        return None
    return {
        "via": discovery.via,
        "source_url": discovery.source_url,
        "published": _when(discovery.published),
        "modified": _when(discovery.modified),
        "title": discovery.title,
    }


def discovery_from_json(data: dict[str, Any] | None) -> Discovery | None:
    if data is None:
        return None
    return Discovery(
        via=data["via"],
        source_url=data["source_url"],
        published=_parse_when(data["published"]),
        modified=_parse_when(data["modified"]),
        title=data["title"],
    )


def _headers_from_json(pairs: list[list[str]]) -> Headers:
    return tuple((name, value) for name, value in pairs)


def capture_to_json(capture: Capture | None) -> dict[str, Any] | None:
    if capture is None:
        return None
    return {
        "outlet": capture.outlet,
        "url": capture.url,
        "requested_url": capture.requested_url,
        "final_url": capture.final_url,
        "status": capture.status,
        "fetched_at": capture.fetched_at.isoformat(),
        "request_headers": [list(pair) for pair in capture.request_headers],
        "response_headers": [list(pair) for pair in capture.response_headers],
        "body": base64.b64encode(capture.body).decode("ascii"),
        "discovery": discovery_to_json(capture.discovery),
    }


def capture_from_json(data: dict[str, Any] | None) -> Capture | None:
    if data is None:
        return None
    return Capture(
        outlet=data["outlet"],
        url=data["url"],
        requested_url=data["requested_url"],
        final_url=data["final_url"],
        status=data["status"],
        fetched_at=datetime.fromisoformat(data["fetched_at"]),
        request_headers=_headers_from_json(data["request_headers"]),
        response_headers=_headers_from_json(data["response_headers"]),
        body=base64.b64decode(data["body"]),
        discovery=discovery_from_json(data["discovery"]),
    )


def fetch_to_json(fetch: Fetch) -> dict[str, Any]:
    return {
        "outlet": fetch.outlet,
        "url": fetch.url,
        "outcome": fetch.outcome.value,
        "fetched_at": fetch.fetched_at.isoformat(),
        "status": fetch.status,
        "error": fetch.error,
        "capture": capture_to_json(fetch.capture),
        "discovery": discovery_to_json(fetch.discovery),
        "attempts": fetch.attempts,
    }


def fetch_from_json(data: dict[str, Any]) -> Fetch:
    return Fetch(
        outlet=data["outlet"],
        url=data["url"],
        outcome=FetchOutcome(data["outcome"]),
        fetched_at=datetime.fromisoformat(data["fetched_at"]),
        status=data["status"],
        error=data["error"],
        capture=capture_from_json(data["capture"]),
        discovery=discovery_from_json(data["discovery"]),
        attempts=data["attempts"],
    )


def fetch_line(fetch: Fetch) -> str:
    """One JSON line (with the newline) carrying ``fetch``."""
    return json.dumps({"fetch": fetch_to_json(fetch)}, ensure_ascii=True) + "\n"


def known_to_json(known: dict[str, dict[str, Validators]]) -> dict[str, Any]:
    return {
        outlet: {url: [v.etag, v.last_modified] for url, v in urls.items()}
        for outlet, urls in known.items()
    }


def known_from_json(data: dict[str, Any]) -> dict[str, dict[str, Validators]]:
    return {
        outlet: {url: Validators(etag=pair[0], last_modified=pair[1]) for url, pair in urls.items()}
        for outlet, urls in data.items()
    }
