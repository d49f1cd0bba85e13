"""A scriptable HTTP server on 127.0.0.1 that logs every request it sees.

Tests declare the routes of a tiny web site, run a real crawl against it and
then read the server-side log: what was requested, with which headers, when.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from newsarchive.records import Fetch, Validators
from newsarchive.spiders.crawlers import CrawlStats
from newsarchive.spiders.outlets import Outlet
from newsarchive.spiders.runner import CrawlOptions, crawl

UA = "newsarchive-test/1.0 (+https://example.org/contact)"


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    at: float


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=lambda: [("Content-Type", "text/html")])
    stream: bool = False  # no Content-Length: the size is only known while downloading


Route = Callable[[Seen], Reply]


class Site:
    """Routes by full path (with query) first, then by path alone; 404 otherwise."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.log: list[Seen] = []
        self._lock = threading.Lock()
        self.origin = ""

    def page(self, path: str, body: bytes | str, content_type: str = "text/html") -> None:
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = lambda _seen: Reply(200, data, [("Content-Type", content_type)])

    def route(self, path: str, handler: Route) -> None:
        self.routes[path] = handler

    def url(self, path: str) -> str:
        return self.origin + path

    def paths(self) -> list[str]:
        with self._lock:
            return [seen.path for seen in self.log]

    def hits(self, path: str) -> list[Seen]:
        with self._lock:
            return [seen for seen in self.log if seen.path == path]

    def answer(self, seen: Seen) -> Reply:
        with self._lock:
            self.log.append(seen)
        handler = self.routes.get(seen.path) or self.routes.get(urlsplit(seen.path).path)
        if handler is None:
            return Reply(404, b"<html><body>not found</body></html>")
        return handler(seen)


def _handler_for(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            seen = Seen("GET", self.path, dict(self.headers.items()), time.monotonic())
            reply = site.answer(seen)
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            if reply.stream:
                self.send_header("Connection", "close")
                self.close_connection = True
            elif not any(name.lower() == "content-length" for name, _ in reply.headers):
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            try:
                for start in range(0, len(reply.body), 65536):
                    self.wfile.write(reply.body[start : start + 65536])
            except (BrokenPipeError, ConnectionResetError):
                return  # the crawler hung up, as it should past the size limit

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def serve(site: Site) -> Iterator[Site]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(site))
    server.daemon_threads = True
    site.origin = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def outlet(site: Site, kind: str, start: str | list[str], **fields: Any) -> Outlet:
    starts = [start] if isinstance(start, str) else start
    data: dict[str, Any] = {
        "name": fields.pop("name", "testsite"),
        "kind": kind,
        "start_urls": [site.url(path) for path in starts],
        "allowed_domains": ["127.0.0.1"],
        "download_delay": 0,
        "concurrency": 4,
        "max_pages": 50,
    }
    data.update(fields)
    return Outlet.model_validate(data)


def options(mode: str = "inprocess", max_size: int = 1024 * 1024) -> CrawlOptions:
    return CrawlOptions(user_agent=UA, max_response_size=max_size, download_timeout=10, mode=mode)


def run(
    outlets: list[Outlet],
    mode: str = "inprocess",
    known: Mapping[str, Mapping[str, Validators]] | None = None,
    **kwargs: Any,
) -> tuple[list[Fetch], dict[str, CrawlStats]]:
    """Crawl synchronously; returns the records in arrival order and the stats."""
    records: list[Fetch] = []
    max_size = kwargs.pop("max_size", 1024 * 1024)
    stats = asyncio.run(
        crawl(
            outlets,
            options=options(mode, max_size),
            on_fetch=records.append,
            known=known,
            **kwargs,
        )
    )
    return records, stats


def html(title: str, body: str = "", head: str = "") -> str:
    return (
        f"<!doctype html><html><head><title>{title}</title>{head}</head>"
        f"<body><h1>{title}</h1><p>{body or 'Some article text.'}</p></body></html>"
    )


def rss(site: Site, paths: list[str], feed_path: str = "/feed.xml") -> str:
    """Publish an RSS 2.0 feed at ``feed_path`` listing ``paths`` (or absolute URLs)."""
    urls = [p if p.startswith("http") else site.url(p) for p in paths]
    items = "".join(
        f"<item><title>Item {n}</title><link>{url.replace('&', '&amp;')}</link></item>"
        for n, url in enumerate(urls)
    )
    site.page(
        feed_path,
        f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>',
        "application/rss+xml",
    )
    return feed_path
