"""An offline replica of the seed outlets, served on loopback from the fixture pages.

``tests/fixtures/pages/<outlet>/<case>.html`` (with ``<case>.expected.json``
giving the live URL) are served under ``http://127.0.0.1:PORT/<outlet>`` +
the live path, with every absolute live URL in the HTML rewritten to the
replica, as a web-archive replay tool does.  For every outlet the site
generates all discovery documents (the outlets file picks one per outlet):

- ``/<outlet>/feed.xml`` RSS 2.0, ``/<outlet>/atom.xml`` Atom,
- ``/<outlet>/sitemap.xml`` index -> ``sitemap-news.xml`` (news sitemap) and
  ``sitemap-archive.xml.gz`` (gzip urlset),
- ``/<outlet>/section/`` listing with ``?page=N`` pagination that never ends,
- ``/robots.txt`` disallowing each outlet's ``trap-disallowed`` page.

Discovery documents date an article by the page's ``article:published_time``
or its visible listing date, which for KCNA Watch is the day the item was
listed, not the item's own date.  Beside the articles they link the traps of
:data:`TRAPS` (tracking-parameter duplicate, off-site and private-address
links, redirect loop, PDF, oversized page, 404, disallowed page) and the
first article of each outlet answers 503 once before answering 200.

Pages carry ``ETag``/``Last-Modified`` and conditional requests get 304.
``revision=2`` is the site a day later: :data:`UPDATED_OUTLET`'s article has
an added sentence (the archive should file an UPDATED version) and
:data:`REPUBLISHED_OUTLET`'s wire story reappears, lightly edited, at a
second URL (the archive should see a near-DUPLICATE).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import html
import re
import threading
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from newsarchive.errors import InputError
from newsarchive.spiders import replay_docs as docs
from newsarchive.spiders.replay_fixtures import Page, default_fixtures_dir, load_pages

UPDATED_OUTLET = "sputnik"
REPUBLISHED_OUTLET = "vanguard"
UPDATE_SENTENCE = (
    "The ministry later said the message had been delivered through diplomatic channels."
)
LAST_MODIFIED = {1: "Mon, 23 Feb 2026 12:00:00 GMT", 2: "Tue, 24 Feb 2026 12:00:00 GMT"}
PAGINATION_TRAP_PAGES = 10_000
"""Listing pages answer ``?page=N`` up to here: a crawl must stop on its own budget."""

TRAPS: dict[str, str] = {
    "trap-loop-a": "redirects to trap-loop-b, which redirects back",
    "trap-report": "a PDF document",
    "trap-oversized": "an HTML page larger than any sensible size limit, streamed",
    "trap-missing": "404",
    "trap-disallowed": "forbidden by robots.txt",
}


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    stream_bytes: int = 0  # > 0: an endless-looking body of this many bytes, no Content-Length


def _sibling(path: str, name: str) -> str:
    """A path shaped like an article path of the same outlet (so patterns match)."""
    suffix = ".html" if path.endswith(".html") else "/" if path.endswith("/") else ""
    parent = path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[0]
    return f"{parent}/{name}{suffix}"


class ReplaySite:
    """Context manager: the replica on a loopback port; ``origin`` is its base URL."""

    def __init__(
        self,
        fixtures_dir: Path | None = None,
        revision: int = 1,
        *,
        port: int = 0,
        oversize_bytes: int = 11 * 1024 * 1024,
    ) -> None:
        if revision not in LAST_MODIFIED:
            raise InputError(f"replay revision must be one of {sorted(LAST_MODIFIED)}")
        self.revision = revision
        self.pages = load_pages(fixtures_dir or default_fixtures_dir())
        self.oversize_bytes = oversize_bytes
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        self._failed_once: set[str] = set()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self._server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        if revision == 2:
            self._revise()
        self._routes = self._build_routes()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> ReplaySite:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- what the site holds ------------------------------------------------

    def articles(self) -> Iterator[Page]:
        for pages in self.pages.values():
            yield from pages

    def url(self, path: str) -> str:
        return self.origin + path

    def replica_url(self, live_url: str, outlet: str) -> str:
        """Where a live URL of ``outlet`` is served on the replica."""
        live = urlsplit(live_url)
        return self.url(f"/{outlet}{live.path}" + (f"?{live.query}" if live.query else ""))

    def live_url(self, replica_url: str) -> str | None:
        """The live URL a replica URL stands for (None when it is no fixture article)."""
        path = replica_url.removeprefix(self.origin)
        return next((p.live_url for p in self.articles() if p.path == path), None)

    def trap_paths(self, outlet: str) -> dict[str, str]:
        """Trap name -> path, shaped like the outlet's article paths so patterns match."""
        first = self.pages[outlet][0].path
        return {name: _sibling(first, name) for name in (*TRAPS, "trap-loop-b")}

    def _rewrite(self, page: Page) -> bytes:
        live = urlsplit(page.live_url)
        body = page.body
        for scheme in ("https://", "http://"):
            body = body.replace(
                f"{scheme}{live.netloc}".encode(), self.url(f"/{page.outlet}").encode()
            )
        return body

    # -- revision 2 ----------------------------------------------------------

    def _revise(self) -> None:
        if UPDATED_OUTLET in self.pages:
            page = self.pages[UPDATED_OUTLET][0]
            page.body = _extend_paragraph(page.body, page.paragraphs[-1], UPDATE_SENTENCE)
        if REPUBLISHED_OUTLET in self.pages:
            original = self.pages[REPUBLISHED_OUTLET][0]
            copy_url = _sibling(
                original.live_url,
                urlsplit(original.live_url).path.rstrip("/").rsplit("/", 1)[-1] + "-xinhua",
            )
            body = original.body.replace(original.live_url.encode(), copy_url.encode())
            body = body.replace(b"Xi said", b"the Chinese leader said", 1)
            self.pages[REPUBLISHED_OUTLET].append(
                Page(
                    outlet=original.outlet,
                    live_url=copy_url,
                    path=f"/{original.outlet}{urlsplit(copy_url).path}",
                    title=original.title + " (Xinhua)",
                    listed=original.listed,
                    body=body,
                )
            )

    # -- routing -------------------------------------------------------------

    def _build_routes(self) -> dict[str, Reply]:
        routes: dict[str, Reply] = {}
        disallowed = []
        for outlet, pages in self.pages.items():
            for page in pages:
                routes[page.path] = self._cacheable(page, self._rewrite(page))
            traps = self.trap_paths(outlet)
            disallowed.append(traps["trap-disallowed"])
            routes.update(self._trap_routes(traps))
            routes.update(self._discovery_routes(outlet, pages, traps))
        routes["/robots.txt"] = Reply(
            200, docs.robots(disallowed), [("Content-Type", "text/plain")]
        )
        return routes

    def _cacheable(self, page: Page, body: bytes) -> Reply:
        # The validator follows the fixture, not the served bytes: those carry this
        # run's port, and a live site's ETag does not change when nothing changed.
        etag = '"' + hashlib.sha256(page.body).hexdigest()[:16] + '"'
        return Reply(
            200,
            body,
            [
                ("Content-Type", page.content_type),
                ("ETag", etag),
                ("Last-Modified", LAST_MODIFIED[self.revision]),
            ],
        )

    def _trap_routes(self, traps: dict[str, str]) -> dict[str, Reply]:
        html = [("Content-Type", "text/html; charset=utf-8")]
        return {
            traps["trap-loop-a"]: Reply(
                302, headers=[("Location", self.url(traps["trap-loop-b"]))]
            ),
            traps["trap-loop-b"]: Reply(
                302, headers=[("Location", self.url(traps["trap-loop-a"]))]
            ),
            traps["trap-report"]: Reply(
                200, b"%PDF-1.4\n% replay\n", [("Content-Type", "application/pdf")]
            ),
            traps["trap-oversized"]: Reply(200, headers=html, stream_bytes=self.oversize_bytes),
            traps["trap-disallowed"]: Reply(200, b"<html><body>secret</body></html>", html),
        }

    def _entries(self, outlet: str, pages: list[Page], traps: dict[str, str]) -> list[docs.Entry]:
        """Articles, then the traps: a tracking-parameter twin, off-site and private links."""
        entries = [docs.Entry(self.url(p.path), p.title, p.listed) for p in pages]
        first = pages[0]
        twin = (
            self.url(first.path)
            + ("&" if "?" in first.path else "?")
            + "utm_source=replay&utm_medium=feed"
        )
        entries.append(docs.Entry(twin, first.title + " (tracked)", first.listed))
        entries.append(docs.Entry(self.url(traps["trap-loop-a"]), "Loop", first.listed))
        for name in ("trap-report", "trap-oversized", "trap-missing", "trap-disallowed"):
            entries.append(docs.Entry(self.url(traps[name]), TRAPS[name], first.listed))
        port = self.origin.rsplit(":", 1)[-1]
        entries.append(docs.Entry(f"http://localhost:{port}{first.path}", "Off-site copy", None))
        entries.append(docs.Entry(f"http://10.255.255.1{first.path}", "Private address", None))
        return entries

    def _discovery_routes(
        self, outlet: str, pages: list[Page], traps: dict[str, str]
    ) -> dict[str, Reply]:
        entries = self._entries(outlet, pages, traps)
        articles = entries[: len(pages)]
        home = self.url(f"/{outlet}/")
        xml = [("Content-Type", "application/xml; charset=utf-8")]
        return {
            f"/{outlet}/feed.xml": Reply(200, docs.rss(outlet, home, entries), xml),
            f"/{outlet}/atom.xml": Reply(200, docs.atom(outlet, home, entries), xml),
            f"/{outlet}/sitemap.xml": Reply(
                200,
                docs.sitemap_index(
                    [
                        self.url(f"/{outlet}/sitemap-news.xml"),
                        self.url(f"/{outlet}/sitemap-archive.xml.gz"),
                    ]
                ),
                xml,
            ),
            f"/{outlet}/sitemap-news.xml": Reply(200, docs.news_sitemap(outlet, articles), xml),
            f"/{outlet}/sitemap-archive.xml.gz": Reply(
                200,
                gzip.compress(docs.urlset(entries[len(pages) :])),
                [("Content-Type", "application/x-gzip")],
            ),
            f"/{outlet}/section/": Reply(
                200,
                docs.listing_page(outlet, entries, self.url(f"/{outlet}/section/?page=2")),
                [("Content-Type", "text/html; charset=utf-8")],
            ),
        }

    def answer(self, path: str, headers: dict[str, str]) -> Reply:
        """The reply to a GET of ``path`` (also logs it)."""
        with self._lock:
            self.requests.append((path, headers))
        reply = self._routes.get(path) or self._pagination(path)
        if reply is None:
            return Reply(
                404, b"<html><body>Not found</body></html>", [("Content-Type", "text/html")]
            )
        if self._fails_first(path):
            return Reply(503, b"busy", [("Retry-After", "0"), ("Content-Type", "text/plain")])
        if _not_modified(reply, headers):
            return Reply(
                304, headers=[h for h in reply.headers if h[0] in {"ETag", "Last-Modified"}]
            )
        return reply

    def _fails_first(self, path: str) -> bool:
        """The first article of each outlet is busy (503) on its very first request."""
        if not any(pages[0].path == path for pages in self.pages.values()):
            return False
        with self._lock:
            if path in self._failed_once:
                return False
            self._failed_once.add(path)
            return True

    def _pagination(self, path: str) -> Reply | None:
        match = re.fullmatch(r"/([a-z0-9-]+)/section/\?page=(\d+)", path)
        if not match or match.group(1) not in self.pages:
            return None
        number = int(match.group(2))
        following = self.url(f"/{match.group(1)}/section/?page={number + 1}")
        more = following if number < PAGINATION_TRAP_PAGES else None
        body = docs.listing_page(f"{match.group(1)} page {number}", [], more)
        return Reply(200, body, [("Content-Type", "text/html; charset=utf-8")])


def _extend_paragraph(body: bytes, paragraph: str, sentence: str) -> bytes:
    """The page with ``sentence`` added to the last place its final paragraph stands.

    The last place: a page may repeat its text earlier (a summary, a hidden
    text-to-speech copy), while the article body runs to the end.
    """
    for form in (paragraph, html.escape(paragraph, quote=False), html.escape(paragraph)):
        head, found, tail = body.rpartition(form.encode())
        if found:
            return head + found + b" " + sentence.encode() + tail
    raise InputError(f"fixture page does not contain its last paragraph: {paragraph[:60]!r}")


def _not_modified(reply: Reply, request: dict[str, str]) -> bool:
    """RFC 9110: If-None-Match wins; If-Modified-Since only without it."""
    sent = {name.lower(): value for name, value in reply.headers}
    if "etag" not in sent:
        return False
    asked = {name.lower(): value for name, value in request.items()}
    if "if-none-match" in asked:
        return sent["etag"] in [tag.strip() for tag in asked["if-none-match"].split(",")]
    return asked.get("if-modified-since") == sent.get("last-modified")


def _handler(site: ReplaySite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            reply = site.answer(self.path, dict(self.headers.items()))
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            if reply.stream_bytes:
                self.send_header("Connection", "close")
                self.close_connection = True
            else:
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            with suppress(BrokenPipeError, ConnectionResetError):
                if reply.stream_bytes:
                    self._stream(reply.stream_bytes)
                else:
                    self.wfile.write(reply.body)

        def _stream(self, size: int) -> None:
            chunk = b"<p>" + b"padding " * 8000 + b"</p>\n"
            self.wfile.write(b"<!doctype html><html><body>")
            for _ in range(size // len(chunk) + 1):
                self.wfile.write(chunk)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


def main(argv: list[str] | None = None) -> None:
    """``python -m newsarchive.spiders.replay --port N``: serve the replica until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--revision", type=int, default=1, choices=sorted(LAST_MODIFIED))
    parser.add_argument("--fixtures", type=Path, default=None)
    args = parser.parse_args(argv)
    with ReplaySite(args.fixtures, args.revision, port=args.port) as site:
        print(f"replaying {', '.join(site.pages)} at {site.origin} (Ctrl-C to stop)")
        with suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
