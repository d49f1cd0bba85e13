"""The viewer application: one archive, its pages, Memento and CDX routes, errors as pages.

The archive is opened by the caller (``newsarchive web``, or a test) and
handed in; routes reach it through ``request.app.state``.  Every route
answers HEAD as it answers GET, without the body (:mod:`.heads`).  Every error
is a page of the viewer with one line of text, never FastAPI's JSON (the JSON
API's are ``{"error": line, "status": N}``): 404 for
nothing archived or no such page, 400 for a bad URL, date or timestamp or a
missing parameter, 405 for a method the viewer does not take, 500 for a
store or catalog failure.  A request naming a host the viewer is not known
by gets 400 before any route runs (:mod:`.security`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.staticfiles import StaticFiles

from newsarchive import __version__
from newsarchive.errors import NewsarchiveError, NotFoundError
from newsarchive.storage import ReadOnlyArchive
from newsarchive.web import api, cdx, changes, downloads, mementos, pages
from newsarchive.web.heads import HeadAsGet
from newsarchive.web.rendering import STATIC, render
from newsarchive.web.security import LOOPBACK_HOSTS, PAGE_HEADERS


def create_app(
    archive: ReadOnlyArchive,
    hosts: Iterable[str] = LOOPBACK_HOSTS,
    provenance: Sequence[tuple[str, str]] = (),
) -> FastAPI:
    """A viewer of ``archive`` answering to ``hosts``; the caller opens and closes the archive.

    ``provenance`` are the ``warcinfo`` fields of the packages it offers (who crawled how).
    """
    app = FastAPI(
        title="newsarchive viewer",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.archive = archive
    app.state.provenance = tuple(provenance)
    app.include_router(pages.router)
    app.include_router(mementos.router)
    app.include_router(downloads.router)
    app.include_router(cdx.router)
    app.include_router(changes.router)
    app.include_router(api.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(NewsarchiveError, _error_page)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error_page)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _bad_request_page)  # type: ignore[arg-type]
    # inside the page headers, so that a refused host's 400 carries them too
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(hosts), www_redirect=False)
    app.middleware("http")(_page_headers)
    app.add_middleware(HeadAsGet)  # outermost: HEAD is the GET, headers and all
    return app


async def _error_page(request: Request, exc: NewsarchiveError) -> Response:
    if isinstance(exc, NotFoundError):
        status = 404
    elif exc.exit_code == 2:
        status = 400
    else:
        status = 500
    return _page(request, status, str(exc))


async def _http_error_page(request: Request, exc: HTTPException) -> Response:
    """Starlette's own errors: a path no route takes, a method a route does not."""
    message = "no such page in this viewer" if exc.status_code == 404 else str(exc.detail)
    return _page(request, exc.status_code, message, exc.headers)


async def _bad_request_page(request: Request, exc: RequestValidationError) -> Response:
    """A query parameter missing or malformed, named as the form calls it: 400, not 422."""
    first = exc.errors()[0]
    name = ".".join(str(part) for part in first.get("loc", ())[1:]) or "request"
    return _page(request, 400, f"{name}: {str(first.get('msg', 'invalid')).lower()}")


def _page(
    request: Request, status: int, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    """The error as a page of the viewer, or for the JSON API as ``{"error": ...}``."""
    if request.url.path.startswith(api.router.prefix + "/"):
        return JSONResponse({"error": message, "status": status}, status, headers=headers)
    body = render("error.html", request, status=status, message=message)
    return HTMLResponse(body, status_code=status, headers=headers)


async def _page_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """The viewer's own headers on every response that did not set its own policy."""
    response = await call_next(request)
    if "content-security-policy" not in response.headers:
        response.headers.update(PAGE_HEADERS)
    return response
