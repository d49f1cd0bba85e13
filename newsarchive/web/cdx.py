"""The CDX server API of pywb, over the archive: ``/cdx?url=...``.

Researchers' tools list an archive's captures through it: of one URL, or
with ``matchType`` every URL under a path (``prefix``), on a host
(``host``) or in a domain and its subdomains (``domain``); ``from`` and
``to`` (Wayback timestamps, 4 to 14 digits, each naming a whole period)
and ``limit`` narrow the list.  pywb's shorthands work too: ``url=example.org/*``
is a prefix query, ``url=*.example.org`` a domain query.

Lines are sorted by SURT key, then timestamp.  ``output=json`` gives one
JSON object per line (``urlkey``, ``timestamp``, ``url``, ``mime``,
``status``, ``digest``), as pywb does; without it each line is
``urlkey timestamp {json}``, the CDXJ form pywb answers for a CDXJ index.
There is no ``filename``, ``offset`` or ``length``: the viewer serves
captures from the catalog, not from WARC files.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from newsarchive.errors import InputError
from newsarchive.moments import Edge
from newsarchive.storage import CdxLine, CdxQuery, MatchType
from newsarchive.web.targets import archive_of, stamp_time

router = APIRouter()

NDJSON = "text/x-ndjson"


@router.get("/cdx")
def cdx(
    request: Request,
    url: str,
    match_type: Annotated[str, Query(alias="matchType")] = "",
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
    output: str = "",
) -> Response:
    archive = archive_of(request)
    if output not in ("", "json", "cdxj", "text"):
        raise InputError(f"output: not json or text: {output[:40]!r}")
    target, match = _target(url.strip(), match_type)
    query = CdxQuery(
        target,
        match,
        start=_bound("from", start, Edge.START),
        end=_bound("to", end, Edge.END),
        limit=limit,
    )
    lines = archive.cdx(query)
    if output == "json":
        return Response(
            "".join(f"{json.dumps(_fields(line))}\n" for line in lines), media_type=NDJSON
        )
    return Response("".join(map(_cdxj, lines)), media_type="text/plain")


def _target(url: str, match_type: str) -> tuple[str, MatchType]:
    """The URL and match type asked for, pywb's ``*`` shorthands read when no type is given."""
    if not url or url in ("*", "*."):
        raise InputError("url: a URL to look up is required")
    if match_type:
        try:
            return url, MatchType(match_type)
        except ValueError:
            wanted = ", ".join(m.value for m in MatchType)
            raise InputError(f"matchType: not one of {wanted}: {match_type[:40]!r}") from None
    if url.startswith("*."):
        return url[2:], MatchType.DOMAIN
    if url.endswith("*"):
        return url[:-1], MatchType.PREFIX
    return url, MatchType.EXACT


def _bound(name: str, stamp: str | None, edge: Edge) -> datetime | None:
    """``from`` or ``to`` as the start or the end of the period it names, the parameter named."""
    if not stamp:
        return None
    try:
        return stamp_time(stamp, edge)
    except InputError as error:
        raise InputError(f"{name}: {error}") from None


def _cdxj(line: CdxLine) -> str:
    """``urlkey timestamp {json}``: the line as a CDXJ index holds it."""
    return f"{line.urlkey} {line.timestamp} {json.dumps(_fields(line, keyed=False))}\n"


def _fields(line: CdxLine, *, keyed: bool = True) -> dict[str, str]:
    """The line's fields as pywb names them, a field the index has no value for left out."""
    fields = {
        "urlkey": line.urlkey,
        "timestamp": line.timestamp,
        "url": line.url,
        "mime": line.mime,
        "status": line.status,
        "digest": line.digest,
    }
    skipped = () if keyed else ("urlkey", "timestamp")
    return {k: v for k, v in fields.items() if v is not None and k not in skipped}
