"""Memento (RFC 7089) over the archive, and the one route that serves archived bytes.

* ``/timemap/link/{url}``: the TimeMap, ``application/link-format``;
* ``/timegate/{url}``: ``302`` to the memento nearest ``Accept-Datetime``
  (the latest without one), ``Vary: accept-datetime``; ``/timegate/{stamp}/{url}``
  is the Wayback form, nearest a timestamp written in the path (a header wins);
* ``/memento/{14-digit timestamp}/{url}``: the capture's bytes as archived,
  with ``Memento-Datetime`` and ``Link``, under the status served (a gone
  page's 410, a redirect's 301 to the memento of its target); a timestamp
  between captures redirects to the nearest one, as Wayback machines do.

The nearest capture is chosen by :func:`newsarchive.storage.nearest`,
the rule ``get --at`` uses too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import RedirectResponse, Response

from newsarchive.records import header_value
from newsarchive.storage import CaptureInfo, at_stamp, memento, nearest
from newsarchive.web.security import CAPTURE_HEADERS
from newsarchive.web.targets import archive_of, stamp_time, stamped_target, target_url

router = APIRouter()


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/timemap/link/{url:path}")
def timemap_route(url: str, request: Request) -> Response:
    target = target_url(url, request)
    found = archive_of(request).captures(target)
    body = memento.timemap(_base(request), found[0].url, found)
    return Response(body, media_type=memento.LINK_FORMAT)


@router.get("/timegate/{url:path}")
def timegate(
    url: str,
    request: Request,
    accept_datetime: Annotated[str | None, Header()] = None,
) -> Response:
    stamped, target = stamped_target(url, request)
    found = archive_of(request).captures(target)
    wanted = memento.parse_http_date(accept_datetime) if accept_datetime else stamped
    chosen = nearest(found, wanted) if wanted else found[-1]
    base, original = _base(request), found[0].url
    return RedirectResponse(
        memento.memento_uri(base, original, chosen.fetched_at),
        status_code=302,
        headers={
            "Vary": "accept-datetime",
            "Link": f'<{original}>; rel="original", '
            f'<{memento.timemap_uri(base, original)}>; rel="timemap"; type="{memento.LINK_FORMAT}"',
        },
    )


@router.get("/memento/{stamp}/{url:path}")
def capture(stamp: str, url: str, request: Request) -> Response:
    target = target_url(url, request)
    archive = archive_of(request)
    found = archive.captures(target)
    base, original = _base(request), found[0].url
    exact = at_stamp(found, stamp)
    if exact is None:
        closest = nearest(found, stamp_time(stamp))
        return RedirectResponse(
            memento.memento_uri(base, original, closest.fetched_at), status_code=302
        )
    snapshot = archive.capture_snapshot(target, exact)
    media = _media_type(found, exact)
    headers = {
        **CAPTURE_HEADERS,
        "Content-Type": media,
        "Memento-Datetime": memento.http_date(exact.fetched_at),
        "Link": memento.memento_links(base, original, exact),
    }
    if exact.location:  # a redirect elsewhere leads to that page as archived then, never live
        headers["Location"] = memento.memento_uri(base, exact.location, exact.fetched_at)
    return Response(snapshot.raw, status_code=exact.status if exact.gone else 200, headers=headers)


def _media_type(found: list[CaptureInfo], capture: CaptureInfo) -> str:
    """The capture's declared type; a 304 keeps none, so the capture it repeats says it."""
    served = capture
    if capture.not_modified:
        served = next(c for c in found if c.fetched_at == capture.revisit_of)
    return header_value(served.response_headers, "Content-Type") or "application/octet-stream"
