"""The viewer's pages: outlets, their health, an outlet's articles and search, an article, a
diff, a capture.

Every page is rendered on the server from the archive's retrieval API; no
page runs script.  Captures are never inlined: the capture page frames
``/memento/...`` in a sandboxed iframe.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from newsarchive.errors import InputError, NotFoundError
from newsarchive.moments import Edge, parse_moment
from newsarchive.storage import Filters, ReadOnlyArchive, Window, at_stamp, nearest
from newsarchive.web.rendering import capture_path, link, render
from newsarchive.web.targets import archive_of, stamp_time, target_url
from newsarchive.web.wordiff import changed_words, word_diff

router = APIRouter()
PER_PAGE = 50
MAX_PER_PAGE = 500
MAX_SEARCH_RESULTS = 1000  # as many as the command line's search --limit


@router.get("/", response_class=HTMLResponse)
def outlets(request: Request) -> str:
    return render("outlets.html", request, outlets=archive_of(request).outlets())


@router.get("/health", response_class=HTMLResponse)
def health(request: Request) -> str:
    states = sorted(
        archive_of(request).outlet_states().values(),
        key=lambda s: (s.status.urgency, s.outlet),
    )
    return render("health.html", request, states=states)


class SearchForm:
    """The search and filter form of an outlet's page and of ``/search``, from the query."""

    def __init__(
        self,
        q: str = "",
        since: str = "",
        until: str = "",
        archived_since: str = "",
        archived_until: str = "",
        all_versions: bool = False,
        page: Annotated[int, Query(ge=1)] = 1,
        per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = PER_PAGE,
    ) -> None:
        self.q, self.all_versions, self.page, self.per_page = q, all_versions, page, per_page
        self.typed = {
            "q": q, "since": since, "until": until, "archived_since": archived_since,
            "archived_until": archived_until, "all_versions": all_versions, "per_page": per_page,
        }  # fmt: skip
        self.window = Window(
            since=parse_moment(since, "since"),
            until=parse_moment(until, "until", Edge.END),
            archived_since=parse_moment(archived_since, "archived_since"),
            archived_until=parse_moment(archived_until, "archived_until", Edge.END),
        )

    def hits(self, archive: ReadOnlyArchive, outlet: str | None) -> dict[str, Any]:
        """One page of hits: search ranks the whole result, so the pages before are asked too."""
        start = (self.page - 1) * self.per_page
        end = start + self.per_page
        if end > MAX_SEARCH_RESULTS:
            raise InputError(
                f"page: a search shows its best {MAX_SEARCH_RESULTS}; narrow the query"
            )
        window = self.window
        filters = Filters(
            outlet=outlet, since=window.since, until=window.until, all_versions=self.all_versions,
            archived_since=window.archived_since, archived_until=window.archived_until,
        )  # fmt: skip
        hits = archive.search(self.q, limit=end + 1, filters=filters)
        more = len(hits) > end and end < MAX_SEARCH_RESULTS
        return {"hits": hits[start:end], "page": self.page, "more": more, "form": self.typed}


Form = Annotated[SearchForm, Depends()]


@router.get("/outlets/{name}", response_class=HTMLResponse)
def outlet(request: Request, name: str, form: Form) -> str:
    archive = archive_of(request)
    if name not in {o.name for o in archive.outlets()}:
        raise NotFoundError(f"no outlet called {name!r} in the archive")
    if form.q.strip():
        return render("outlet.html", request, name=name, articles=None, **form.hits(archive, name))
    start = (form.page - 1) * form.per_page
    listed = list(archive.list_articles(name, form.window, offset=start, limit=form.per_page + 1))
    return render(
        "outlet.html", request, name=name, form=form.typed, hits=None,
        articles=listed[: form.per_page], page=form.page, more=len(listed) > form.per_page,
    )  # fmt: skip


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, form: Form) -> str:
    """Full-text search across every outlet."""
    found = {"hits": None, "page": form.page, "more": False, "form": form.typed}
    if form.q.strip():
        found = form.hits(archive_of(request), None)
    return render("search.html", request, **found)


@router.get("/lookup")
def lookup(request: Request, url: str) -> Response:
    """Any form of a URL (http or https, tracking parameters, ``www``) to its article."""
    wanted = url.strip()
    if not wanted:
        raise InputError("url: give the address of a page")
    if "://" not in wanted:
        wanted = f"https://{wanted}"  # as pasted from a browser's address bar
    try:
        found = archive_of(request).captures(wanted)
    except NotFoundError:
        raise NotFoundError(f"not archived: {wanted}") from None
    return RedirectResponse(link("/article", url=found[0].url), 302)


@router.get("/article", response_class=HTMLResponse)
def article(request: Request, url: str) -> str:
    archive = archive_of(request)
    latest = archive.snapshot(url)
    return render(
        "article.html",
        request,
        article=latest,
        versions=archive.history(url),
        captures=archive.captures(url),
        copies=archive.copies(url),
        provenance=_provenance(latest.meta),
    )


def _provenance(meta: dict[str, Any]) -> dict[str, Any]:
    """Where the article's date and text came from, as the metadata object records it."""
    extraction = meta.get("extraction") or {}
    chosen = extraction.get("date_source")
    candidates = [
        {
            "source": c.get("source"),
            "value": c.get("value"),
            "chosen": c.get("source") == chosen and not c.get("rejected"),
            "rejected": c.get("rejected"),
        }
        for c in extraction.get("date_candidates") or ()
    ]
    return {
        "published": extraction.get("published"),
        "date_source": chosen,
        "candidates": candidates,
        "original_source": extraction.get("original_source"),
        "original_url": extraction.get("original_url"),
        "discovery": meta.get("discovery") or {},
        "profile": extraction.get("profile"),
    }


@router.get("/diff", response_class=HTMLResponse)
def diff(request: Request, url: str, a: int, b: int) -> str:
    archive = archive_of(request)
    versions = {v.version: v for v in archive.history(url)}
    missing = [n for n in (a, b) if n not in versions]
    if missing:
        raise NotFoundError(f"{url} has no version {missing[0]} (it has 1 to {len(versions)})")
    older, newer = (archive.snapshot(url, at=versions[n].fetched_at) for n in (a, b))
    segments = word_diff(older.text, newer.text)
    removed, added = changed_words(segments)
    return render(
        "diff.html",
        request,
        fields=_field_changes(older.meta, newer.meta),
        url=older.url,
        a=versions[a],
        b=versions[b],
        versions=list(versions.values()),
        segments=segments,
        removed=removed,
        added=added,
    )


DIFFED_FIELDS = ("title", "author", "published", "modified")
"""What an article's metadata says beside its text, compared between two versions."""


def _field_changes(older: dict[str, Any], newer: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, older value, newer value) of the title, byline and dates of two versions."""
    before, after = (meta.get("extraction") or {} for meta in (older, newer))
    return [(name, before.get(name), after.get(name)) for name in DIFFED_FIELDS]


@router.get("/nearest")
def nearest_capture(request: Request, url: str, at: str) -> Response:
    """The capture nearest to ``at`` (a date, an ISO time or a Wayback timestamp)."""
    moment = parse_moment(at, "at")
    if moment is None:
        raise InputError("at: give a date (YYYY-MM-DD), an ISO 8601 time or a timestamp")
    chosen = nearest(archive_of(request).captures(url), moment)
    return RedirectResponse(capture_path("capture", chosen.url, chosen.fetched_at), 302)


@router.get("/capture/{stamp}/{url:path}", response_class=HTMLResponse)
def capture(request: Request, stamp: str, url: str) -> Response:
    target = target_url(url, request)
    archive = archive_of(request)
    found = archive.captures(target)
    exact = at_stamp(found, stamp)
    if exact is None:
        closest = nearest(found, stamp_time(stamp))
        return RedirectResponse(capture_path("capture", target, closest.fetched_at), 302)
    position = found.index(exact)
    body = render(
        "capture.html",
        request,
        url=target,
        article=found[0].url,
        capture=exact,
        previous=found[position - 1] if position else None,
        following=found[position + 1] if position + 1 < len(found) else None,
        count=len(found),
        position=position + 1,
    )
    return HTMLResponse(body)
