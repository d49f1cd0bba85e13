"""How archived things are laid out as objects: keys, compression, metadata JSON.

Keys are readable (outlet and date in the path) so that a bucket listing is
useful without the catalog, and end in the SHA-256 of what they hold so that
identical bytes map to one key and are stored once.
"""

from __future__ import annotations

import gzip
import json
import re
from datetime import datetime
from typing import Any

from newsarchive import codec
from newsarchive.errors import InputError
from newsarchive.records import Discovery, Extraction, Headers

_OUTLET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def checked_outlet(name: str) -> str:
    """Outlet names become key segments, so only plain names are accepted."""
    if not _OUTLET_NAME.match(name):
        raise InputError(f"outlet name {name!r} may hold only letters, digits, '.', '_' or '-'")
    return name


def _dated(kind: str, outlet: str, when: datetime, name: str) -> str:
    return f"{kind}/{checked_outlet(outlet)}/{when:%Y/%m/%d}/{name}"


def raw_key(outlet: str, fetched_at: datetime, body_sha256: str) -> str:
    return _dated("raw", outlet, fetched_at, f"{body_sha256}.html.gz")


def meta_key(outlet: str, fetched_at: datetime, meta_sha256: str) -> str:
    return _dated("meta", outlet, fetched_at, f"{meta_sha256}.json")


def text_key(text_sha256: str) -> str:
    return f"text/{text_sha256[:2]}/{text_sha256}.txt"


def requisite_key(body_sha256: str) -> str:
    """A stylesheet or image, one object per digest whatever its URL, outlet or date."""
    return f"requisites/{body_sha256[:2]}/{body_sha256}.gz"


def compress_raw(body: bytes) -> bytes:
    """Gzip with a fixed mtime so the same body always yields the same object."""
    return gzip.compress(body, compresslevel=6, mtime=0)


def decompress_raw(data: bytes) -> bytes:
    return gzip.decompress(data)


def headers_json(headers: Headers) -> list[list[str]]:
    return [[name, value] for name, value in headers]


def headers_from_json(value: Any) -> Headers:
    return tuple((str(name), str(val)) for name, val in value or ())


_SECRET_REQUEST_HEADERS = {"authorization", "proxy-authorization", "cookie"}


def public_request_headers(headers: Headers) -> Headers:
    """Request headers fit to archive: credentials a spider sent are blanked."""
    return tuple(
        (name, "[redacted]" if name.lower() in _SECRET_REQUEST_HEADERS else value)
        for name, value in headers
    )


def discovery_json(discovery: Discovery | None) -> dict[str, Any] | None:
    return None if discovery is None else codec.to_json(discovery)


def discovery_from_json(value: dict[str, Any] | None) -> Discovery | None:
    return codec.from_json(Discovery, value) if value else None


def snapshot_meta(
    *,
    url: str,
    outlet: str,
    version: int,
    fetch: dict[str, Any],
    discovery: dict[str, Any] | None,
    raw: dict[str, Any],
    text: dict[str, Any],
    extraction: Extraction,
) -> bytes:
    """The metadata object of one version: enough to understand it without the catalog."""
    document = {
        "url": url,
        "outlet": outlet,
        "version": version,
        "fetch": fetch,
        "discovery": discovery,
        "raw": raw,
        "text": text,
        "extraction": codec.to_json(extraction),
    }
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
