"""The viewer's JSON API for researchers: articles, versions, captures and search, in pages.

Read-only, under the viewer's rules (loopback by default, its host names
only).  Every list comes as one envelope, ``{"items": [...], "page": N,
"per_page": K, "next": URL or null}``, whose items carry the field names of
the archive's own records (:mod:`newsarchive.storage.results`), times in ISO
8601 UTC; ``next`` is the path of the following page while there is one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from newsarchive.moments import Edge, parse_moment
from newsarchive.storage import Filters, Window
from newsarchive.web.rendering import link
from newsarchive.web.targets import archive_of

router = APIRouter(prefix="/api")
PER_PAGE = 50
MAX_PER_PAGE = 500
MAX_SEARCH_RESULTS = 1000
Page = Annotated[int, Query(ge=1)]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE)]


@router.get("/articles")
def articles(
    request: Request,
    outlet: str | None = None,
    since: str = "",
    until: str = "",
    archived_since: str = "",
    archived_until: str = "",
    page: Page = 1,
    per_page: PerPage = PER_PAGE,
) -> dict[str, Any]:
    """Articles in the order first seen, of one outlet or all, within the dates given."""
    window = Window(
        since=parse_moment(since, "since"),
        until=parse_moment(until, "until", Edge.END),
        archived_since=parse_moment(archived_since, "archived_since"),
        archived_until=parse_moment(archived_until, "archived_until", Edge.END),
    )
    found = list(
        archive_of(request).list_articles(
            outlet, window, offset=(page - 1) * per_page, limit=per_page + 1
        )
    )
    return _envelope(request, found, page, per_page)


@router.get("/versions")
def versions(
    request: Request, url: str, page: Page = 1, per_page: PerPage = PER_PAGE
) -> dict[str, Any]:
    """Every distinct text of one article, oldest first."""
    found = archive_of(request).history(url)
    return _envelope(request, found[(page - 1) * per_page :], page, per_page)


@router.get("/captures")
def captures(
    request: Request, url: str, page: Page = 1, per_page: PerPage = PER_PAGE
) -> dict[str, Any]:
    """Every capture of one article (Memento's mementos), oldest first."""
    found = archive_of(request).captures(url)
    return _envelope(request, found[(page - 1) * per_page :], page, per_page)


@router.get("/search")
def search(
    request: Request,
    q: str,
    outlet: str | None = None,
    since: str = "",
    until: str = "",
    all_versions: bool = False,
    page: Page = 1,
    per_page: PerPage = PER_PAGE,
) -> dict[str, Any]:
    """Full-text search, best first: the query syntax of ``newsarchive search``."""
    start = (page - 1) * per_page
    filters = Filters(
        outlet=outlet,
        since=parse_moment(since, "since"),
        until=parse_moment(until, "until", Edge.END),
        all_versions=all_versions,
    )
    limit = min(start + per_page + 1, MAX_SEARCH_RESULTS)
    found = archive_of(request).search(q, limit=limit, filters=filters) if start < limit else []
    return _envelope(request, found[start:], page, per_page)


def _envelope(request: Request, found: Sequence[Any], page: int, per_page: int) -> dict[str, Any]:
    """One page of ``found`` (which starts at the page and may run past it)."""
    following = None
    if len(found) > per_page:
        params = {**request.query_params, "page": page + 1, "per_page": per_page}
        following = link(request.url.path, **params)
    items = [_plain(asdict(item)) for item in found[:per_page]]
    return {"items": items, "page": page, "per_page": per_page, "next": following}


def _plain(value: Any) -> Any:
    """JSON's own types: times as ISO 8601, tuples (headers) as lists."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
