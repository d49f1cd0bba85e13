"""What an archivist takes away from the viewer: one article as WARC or WACZ, a capture's bytes.

Downloads are attachments: the browser saves them and never renders them in
the viewer's origin (``Content-Disposition: attachment``, ``nosniff``, and the
captures' sandbox policy besides).  An article's package is made by the
export the command line runs (:mod:`newsarchive.storage.export`), for that
article alone, in a temporary folder removed before it is sent.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from newsarchive.errors import NotFoundError
from newsarchive.storage import at_stamp, memento_stamp
from newsarchive.web.security import CAPTURE_HEADERS
from newsarchive.web.targets import archive_of, target_url

router = APIRouter()
PACKAGES = {"warc.gz": "application/warc", "wacz": "application/wacz"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@router.get("/download/capture/{stamp}/{url:path}")
def capture_bytes(stamp: str, url: str, request: Request) -> Response:
    """The bytes one capture served, exactly as archived (for a revisit, those it repeats)."""
    target = target_url(url, request)
    archive = archive_of(request)
    found = archive.captures(target)
    capture = at_stamp(found, stamp)
    if capture is None:
        raise NotFoundError(f"{target} has no capture at {stamp}")
    body = archive.capture_snapshot(target, capture).raw
    name = f"{_slug(capture.final_url)}-{memento_stamp(capture.fetched_at)}.bin"
    headers = {**CAPTURE_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type="application/octet-stream", headers=headers)


@router.get("/download/article")
def article_package(
    request: Request,
    url: str,
    kind: Annotated[str, Query(alias="format", pattern="^(warc[.]gz|wacz)$")] = "wacz",
) -> Response:
    """Every capture of one article, with its outlet's requisites, as a WARC or a WACZ."""
    from newsarchive.storage.export import ExportRequest, export

    archive = archive_of(request)
    provenance: tuple[tuple[str, str], ...] = request.app.state.provenance
    canonical = archive.captures(url)[0].url  # NotFoundError for an article not archived
    with tempfile.TemporaryDirectory(prefix="newsarchive-download-") as work:
        target = Path(work) / f"{_slug(canonical)}.{kind}"
        export(archive, target, ExportRequest(urls=(canonical,), provenance=provenance))
        body = target.read_bytes()  # one article's captures: small enough to hold
    disposition = f'attachment; filename="{target.name}"'
    return Response(
        body,
        media_type=PACKAGES[kind],
        headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"},
    )


def _slug(url: str) -> str:
    """A file name from a URL: its host and last path segment, nothing a shell would mind."""
    parts = urlsplit(url)
    last = parts.path.rstrip("/").rsplit("/", 1)[-1] or "index"
    return _UNSAFE.sub("-", f"{parts.hostname or 'page'}-{last}").strip("-.")[:120]
