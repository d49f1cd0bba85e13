"""An offline replica of the seed outlets, served on loopback from the fixture pages.

The replica stands in for the outlets' live hosts: it serves
``/<live host><live path>`` for each of them, and a crawl is told to send
requests for those hosts to it (:attr:`ReplaySite.reroute`, the crawl's
``connect-to`` seam).  Spiders, archive and reports therefore see only the
live URLs; pages are served byte for byte as the fixture holds them.

For every outlet the replica answers the outlet's own discovery start URL
with a document of the outlet's kind (:data:`PUBLISHES` picks Atom for one
feed outlet so both feed formats are replayed, and a sitemap index for the
sitemap outlet), ``robots.txt`` per host, and the pages.  Discovery
documents date an article by its ``article:published_time`` or its visible
listing date, which for KCNA Watch is the day the item was listed, not the
item's own date.  Beside the articles they link the traps of :data:`TRAPS`
(tracking-parameter duplicate, off-site and private-address links, redirect
loop, PDF, oversized page, 404, disallowed page), and the first article of
each outlet answers 503 once before answering 200.

Pages carry ``ETag``/``Last-Modified`` and conditional requests get 304.
Day 2 is the site a day later: :data:`UPDATED_OUTLET`'s article has an
added sentence (the archive should file an UPDATED version) and
:data:`REPUBLISHED_OUTLET`'s wire story reappears, lightly edited, at a
second URL (the archive should see a near-DUPLICATE).
"""

from __future__ import annotations

import gzip
import hashlib
import html
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from newsarchive.errors import InputError
from newsarchive.replay import documents as docs
from newsarchive.replay.pages import Page, load_pages
from newsarchive.replay.requisites import referenced, stand_in
from newsarchive.replay.server import HTML, LoopbackServer, Reply, Request, Route
from newsarchive.spiders.outlets import Outlet, OutletKind

UPDATED_OUTLET = "sputnik"
REPUBLISHED_OUTLET = "vanguard"  # on day 2 it republishes ...
COPIED_OUTLET = "sputnik"  # ... this outlet's article under a new URL of its own
REPUBLISHED_SLUG = "china-congratulates-kim-on-re-election-sputnik"
GONE_OUTLET = "kcnawatch"  # on day 2 its last article answers 410 Gone, still listed
UPDATE_SENTENCE = (
    "The ministry later said the message had been delivered through diplomatic channels."
)
LAST_MODIFIED = {1: "Mon, 23 Feb 2026 12:00:00 GMT", 2: "Tue, 24 Feb 2026 12:00:00 GMT"}
DAYS = tuple(LAST_MODIFIED)
PAGINATION_TRAP_PAGES = 10_000
"""Listing pages answer ``?page=N`` up to here: a crawl must stop on its own budget."""

PUBLISHES = {"joongang": "atom"}
"""Outlet -> the discovery format its replica serves, where it is not its kind's default."""
_DEFAULT_FORMAT = {
    OutletKind.FEED: "rss",
    OutletKind.SITEMAP: "sitemap-index",
    OutletKind.LISTING: "listing",
}

TRAPS: dict[str, str] = {
    "trap-loop-a": "redirects to trap-loop-b, which redirects back",
    "trap-report": "a PDF document",
    "trap-oversized": "an HTML page larger than any sensible size limit",
    "trap-missing": "404",
    "trap-disallowed": "forbidden by robots.txt",
}


def _sibling(url: str, name: str) -> str:
    """A URL shaped like an article URL of the same outlet (so article patterns match)."""
    parts = urlsplit(url)
    suffix = ".html" if parts.path.endswith(".html") else "/" if parts.path.endswith("/") else ""
    parent = parts.path.rstrip("/").rsplit("/", 1)[0]
    return f"{parts.scheme}://{parts.netloc}{parent}/{name}{suffix}"


def checked_day(day: int) -> int:
    """``day`` when the replica has it; InputError naming the days it has otherwise."""
    if day not in DAYS:
        raise InputError(f"replay day must be one of {', '.join(map(str, DAYS))}, not {day}")
    return day


def check_replayable(outlets: Sequence[Outlet], pages: dict[str, list[Page]]) -> None:
    """InputError naming the outlets the replica has no pages of."""
    missing = [o.name for o in outlets if o.name not in pages]
    if missing:
        raise InputError(
            f"the replay site has no pages of outlet {', '.join(map(repr, missing))} "
            f"(it has {', '.join(sorted(pages))})"
        )


class ReplaySite(LoopbackServer):
    """Context manager: the replica of ``outlets`` on a loopback port."""

    def __init__(
        self,
        outlets: Sequence[Outlet],
        *,
        day: int = 1,
        pages: dict[str, list[Page]] | None = None,
        port: int = 0,
        oversize_bytes: int = 11 * 1024 * 1024,
    ) -> None:
        self.day = checked_day(day)
        self.outlets = list(outlets)
        available = pages if pages is not None else load_pages()
        check_replayable(self.outlets, available)
        self.pages = {o.name: [replace(p) for p in available[o.name]] for o in self.outlets}
        self.oversize_bytes = oversize_bytes
        self._failed_once: set[str] = set()
        self._gone: set[str] = set()
        self._lock = threading.Lock()
        if day == 2:
            self._next_day()
        super().__init__(port)
        self._build_routes()

    # -- what the site holds and where ----------------------------------------

    @property
    def reroute(self) -> dict[str, str]:
        """Live host -> the replica's base URL for it: what a crawl connects to instead."""
        return {host: self.url(f"/{host}") for host in sorted(self._hosts())}

    def articles(self) -> Iterator[Page]:
        for pages in self.pages.values():
            yield from pages

    def served_at(self, live_url: str) -> str:
        """The replica path a live URL is answered at."""
        parts = urlsplit(live_url)
        return f"/{parts.hostname}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")

    def requests_for(self, live_url: str) -> list[Request]:
        """Requests the replica received for ``live_url``."""
        return self.hits(self.served_at(live_url))

    def trap_urls(self, outlet: str) -> dict[str, str]:
        """Trap name -> live URL, shaped like the outlet's article URLs so patterns match."""
        first = self.pages[outlet][0].live_url
        return {name: _sibling(first, name) for name in (*TRAPS, "trap-loop-b")}

    def _hosts(self) -> set[str]:
        hosts = {page.host for page in self.articles()}
        hosts |= {
            urlsplit(url).hostname or "" for page in self.articles() for url in _requisites(page)
        }
        hosts |= {urlsplit(url).hostname or "" for o in self.outlets for url in o.start_urls}
        return hosts - {""}

    # -- day 2 -------------------------------------------------------------------

    def _next_day(self) -> None:
        """One article changed, one new article copying another outlet's text, one page gone."""
        if UPDATED_OUTLET in self.pages:
            page = self.pages[UPDATED_OUTLET][0]
            page.body = _extend_paragraph(page.body, page.paragraphs[-1], UPDATE_SENTENCE)
        if REPUBLISHED_OUTLET in self.pages and COPIED_OUTLET in self.pages:
            template, source = self.pages[REPUBLISHED_OUTLET][0], self.pages[COPIED_OUTLET][0]
            when = parsedate_to_datetime(LAST_MODIFIED[2])
            self.pages[REPUBLISHED_OUTLET].append(
                _republished(template, source, REPUBLISHED_SLUG, when)
            )
        if GONE_OUTLET in self.pages and len(self.pages[GONE_OUTLET]) > 1:
            self._gone.add(self.pages[GONE_OUTLET][-1].live_url)

    # -- routing -----------------------------------------------------------------

    def _put(self, live_url: str, reply: Reply) -> None:
        self.route(self.served_at(live_url), lambda _request: reply)

    def _build_routes(self) -> None:
        disallowed: dict[str, list[str]] = {host: [] for host in self._hosts()}
        for outlet in self.outlets:
            pages = self.pages[outlet.name]
            for page in pages:
                self.route(self.served_at(page.live_url), self._article(page))
                for url, kind in _requisites(page).items():
                    self._put(url, stand_in(url, kind))
            traps = self.trap_urls(outlet.name)
            trap_host = urlsplit(traps["trap-disallowed"])
            disallowed.setdefault(trap_host.hostname or "", []).append(trap_host.path)
            for name, reply in self._trap_replies(traps).items():
                self._put(traps[name], reply)
            self._publish(outlet, self._entries(pages, traps))
        for host, paths in disallowed.items():
            self._put(f"http://{host}/robots.txt", Reply(200, docs.robots(paths), _PLAIN))

    def _article(self, page: Page) -> Route:
        # The validator follows the page's bytes, as a live site's ETag would.
        etag = '"' + hashlib.sha256(page.body).hexdigest()[:16] + '"'
        reply = Reply(
            200,
            page.body,
            [
                ("Content-Type", page.content_type),
                ("ETag", etag),
                ("Last-Modified", LAST_MODIFIED[self.day]),
            ],
        )
        if page.live_url in self._gone:
            gone = Reply(410, b"<html><body>This article has been removed.</body></html>")
            return lambda _request: gone
        if page is not self.pages[page.outlet][0]:
            return lambda _request: reply
        busy = Reply(503, b"busy", [("Retry-After", "0"), ("Content-Type", "text/plain")])
        return lambda request: busy if self._busy_first(request.path) else reply

    def _busy_first(self, path: str) -> bool:
        """The first article of each outlet is busy (503) on its very first request."""
        with self._lock:
            if path in self._failed_once:
                return False
            self._failed_once.add(path)
            return True

    def _trap_replies(self, traps: dict[str, str]) -> dict[str, Reply]:
        html_type = [HTML]
        return {
            "trap-loop-a": Reply(302, headers=[("Location", traps["trap-loop-b"])]),
            "trap-loop-b": Reply(302, headers=[("Location", traps["trap-loop-a"])]),
            "trap-report": Reply(
                200, b"%PDF-1.4\n% replay\n", [("Content-Type", "application/pdf")]
            ),
            # declared up front, as servers do: the crawler refuses it at the headers
            "trap-oversized": Reply(
                200, self._oversized, [HTML, ("Content-Length", str(self._oversized_length()))]
            ),
            "trap-disallowed": Reply(200, b"<html><body>secret</body></html>", html_type),
        }

    _PADDING = b"<p>" + b"padding " * 8000 + b"</p>\n"
    _OPENING = b"<!doctype html><html><body>"

    def _oversized(self) -> Iterable[bytes]:
        yield self._OPENING
        for _ in range(self.oversize_bytes // len(self._PADDING) + 1):
            yield self._PADDING

    def _oversized_length(self) -> int:
        return len(self._OPENING) + (self.oversize_bytes // len(self._PADDING) + 1) * len(
            self._PADDING
        )

    def _entries(self, pages: list[Page], traps: dict[str, str]) -> list[docs.Entry]:
        """Articles, then the traps: a tracking-parameter twin, off-site and private links."""
        entries = [docs.Entry(p.live_url, p.title, p.listed) for p in pages]
        first = pages[0]
        tracked = first.live_url + ("&" if "?" in first.live_url else "?")
        entries.append(
            docs.Entry(tracked + "utm_source=replay&utm_medium=feed", first.title, first.listed)
        )
        entries.append(docs.Entry(traps["trap-loop-a"], "Loop", first.listed))
        for name in ("trap-report", "trap-oversized", "trap-missing", "trap-disallowed"):
            entries.append(docs.Entry(traps[name], TRAPS[name], first.listed))
        path = first.live_path
        entries.append(docs.Entry(f"https://copies.example.net{path}", "Off-site copy", None))
        entries.append(docs.Entry(f"http://10.255.255.1{path}", "Private address", None))
        return entries

    def _publish(self, outlet: Outlet, entries: list[docs.Entry]) -> None:
        """The outlet's discovery document at its start URL, and what that links to."""
        start = outlet.start_urls[0]
        articles = entries[: len(self.pages[outlet.name])]
        home = _sibling(start, "")
        kind = PUBLISHES.get(outlet.name, _DEFAULT_FORMAT[outlet.kind])
        if kind == "rss":
            self._put(start, Reply(200, docs.rss(outlet.name, home, entries), _XML))
        elif kind == "atom":
            self._put(start, Reply(200, docs.atom(outlet.name, home, entries), _XML))
        elif kind == "sitemap-index":
            news, archive = _sibling(start, "sitemap-news.xml"), _sibling(start, "archive.xml.gz")
            self._put(start, Reply(200, docs.sitemap_index([news, archive]), _XML))
            self._put(news, Reply(200, docs.news_sitemap(outlet.name, articles), _XML))
            gzipped = gzip.compress(docs.urlset(entries[len(articles) :]), mtime=0)
            self._put(archive, Reply(200, gzipped, [("Content-Type", "application/x-gzip")]))
        else:
            self.route(self.served_at(start), _listing(outlet.name, start, entries))


def _requisites(page: Page) -> dict[str, str]:
    return referenced(page.body, page.live_url)


def _listing(title: str, start: str, entries: list[docs.Entry]) -> Route:
    """A section page whose ``?page=N`` pagination runs on far past any crawl budget."""
    first = Reply(200, docs.listing_page(title, entries, f"{start}?page=2"))

    def answer(request: Request) -> Reply:
        match = re.search(r"[?&]page=(\d+)", request.path)
        if match is None:
            return first
        number = int(match.group(1))
        following = f"{start}?page={number + 1}" if number < PAGINATION_TRAP_PAGES else None
        return Reply(200, docs.listing_page(f"{title} page {number}", [], following))

    return answer


_XML = [("Content-Type", "application/xml; charset=utf-8")]
_PLAIN = [("Content-Type", "text/plain")]


def _republished(template: Page, source: Page, slug: str, when: datetime) -> Page:
    """``source``'s article text in ``template``'s page, published ``when``: wire copy.

    The template's first paragraph is replaced by the source's paragraphs and
    its other paragraphs are emptied, so extraction reads the source's text
    in the republisher's page furniture; its dates (in the metadata, on the
    page and in a dated URL path) become ``when``, as a new post's would.
    """
    copied = "</p>\n<p>".join(html.escape(p, quote=False) for p in source.paragraphs)
    body = _replace_last(template.body, template.paragraphs[0], copied)
    for paragraph in template.paragraphs[1:]:
        body = _replace_last(body, paragraph, "")
    url = _sibling(template.live_url, slug)
    body = body.replace(template.live_url.encode(), url.encode())
    body = body.replace(template.title.encode(), source.title.encode())
    if template.listed is not None:
        for then, now in (
            (f"{template.listed:%Y/%m}/", f"{when:%Y/%m}/"),
            (template.listed.date().isoformat(), when.date().isoformat()),
            (f"{template.listed:%B} {template.listed.day}, {template.listed.year}",
             f"{when:%B} {when.day}, {when.year}"),
        ):  # fmt: skip
            url = url.replace(then, now)
            body = body.replace(then.encode(), now.encode())
    return replace(template, live_url=url, title=source.title, body=body, listed=when)


def _split_at_last(body: bytes, paragraph: str) -> tuple[bytes, bytes, bytes]:
    """(before, the paragraph as written, after) at the last place ``paragraph`` stands.

    The last place: a page may repeat its text earlier (a summary, a hidden
    text-to-speech copy), while the article body runs to the end.
    """
    for form in (paragraph, html.escape(paragraph, quote=False), html.escape(paragraph)):
        head, found, tail = body.rpartition(form.encode())
        if found:
            return head, found, tail
    raise InputError(f"fixture page does not contain its paragraph: {paragraph[:60]!r}")


def _replace_last(body: bytes, paragraph: str, text: str) -> bytes:
    head, _, tail = _split_at_last(body, paragraph)
    return head + text.encode() + tail


def _extend_paragraph(body: bytes, paragraph: str, sentence: str) -> bytes:
    """The page with ``sentence`` added to its final paragraph."""
    head, found, tail = _split_at_last(body, paragraph)
    return head + found + b" " + sentence.encode() + tail
