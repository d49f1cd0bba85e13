"""A small web site on 127.0.0.1: the one loopback server of the replay demo, tests and bench.

Routes map a path (with its query, else without) to a handler that returns
a :class:`Reply`.  The server answers conditional GETs from the reply's own
``ETag``/``Last-Modified`` the way RFC 9110 says, streams bodies that are too
large to hold (or must arrive without a ``Content-Length``), logs every
request for tests to read, and counts the CPU its threads spend so a
benchmark sharing the machine can subtract it.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

HTML = ("Content-Type", "text/html; charset=utf-8")
_VALIDATORS = frozenset({"etag", "last-modified"})
_CHUNK = 65536


@dataclass(frozen=True)
class Request:
    """One request as the server received it."""

    method: str
    path: str  # with the query
    headers: dict[str, str]
    at: float  # time.monotonic() on arrival
    body: bytes = b""  # what a POST sent (a webhook receiver reads it)

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


@dataclass
class Reply:
    """What a route answers; ``stream`` sends the body without a Content-Length."""

    status: int = 200
    body: bytes | Callable[[], Iterable[bytes]] = b""
    headers: list[tuple[str, str]] = field(default_factory=lambda: [HTML])
    stream: bool = False

    def validator(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name), None)


Route = Callable[[Request], Reply]

NOT_FOUND = Reply(404, b"<html><body>Not found</body></html>")


def not_modified(reply: Reply, request: Request) -> bool:
    """RFC 9110: If-None-Match decides when sent; If-Modified-Since only without it."""
    etag = reply.validator("etag")
    if reply.status != 200 or etag is None:
        return False
    asked = request.header("If-None-Match")
    if asked is not None:
        return etag in [tag.strip() for tag in asked.split(",")]
    since = request.header("If-Modified-Since")
    return since is not None and since == reply.validator("last-modified")


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-answer (a crawler past its size limit) is no server error."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LoopbackServer:
    """Context manager serving ``routes`` on a loopback port; ``origin`` is its base URL.

    ``host`` is any address of 127.0.0.0/8, so that each of many sites has its own.
    """

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.statuses: Counter[int] = Counter()
        self.cpu_seconds = 0.0
        self._lock = threading.Lock()
        self._server = _QuietServer((host, port), _handler(self))
        self.origin = f"http://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
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

    def url(self, path: str) -> str:
        return self.origin + path

    def route(self, path: str, handler: Route) -> None:
        self.routes[path] = handler

    def page(
        self, path: str, body: bytes | str, content_type: str = HTML[1], *headers: tuple[str, str]
    ) -> None:
        """A fixed 200 answer at ``path``."""
        data = body.encode() if isinstance(body, str) else body
        reply = Reply(200, data, [("Content-Type", content_type), *headers])
        self.routes[path] = lambda _request: reply

    def hits(self, path: str) -> list[Request]:
        with self._lock:
            return [request for request in self.requests if request.path == path]

    def paths(self) -> list[str]:
        with self._lock:
            return [request.path for request in self.requests]

    def answer(self, request: Request) -> Reply:
        """The reply to ``request``: its route's, turned into a 304 when it is unchanged."""
        with self._lock:
            self.requests.append(request)
        route = self.routes.get(request.path) or self.routes.get(urlsplit(request.path).path)
        reply = route(request) if route is not None else NOT_FOUND
        if not_modified(reply, request):
            kept = [(k, v) for k, v in reply.headers if k.lower() in _VALIDATORS]
            reply = Reply(304, b"", kept)
        with self._lock:
            self.statuses[reply.status] += 1
        return reply

    def _spent(self, seconds: float) -> None:
        with self._lock:
            self.cpu_seconds += seconds


def _handler(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._answer(b"")

        def do_POST(self) -> None:
            self._answer(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

        def _answer(self, body: bytes) -> None:
            started = time.thread_time()
            headers = dict(self.headers.items())
            try:
                self._send(
                    server.answer(Request(self.command, self.path, headers, time.monotonic(), body))
                )
            finally:
                server._spent(time.thread_time() - started)

        def _send(self, reply: Reply) -> None:
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            declared = any(name.lower() == "content-length" for name, _ in reply.headers)
            if declared:
                pass  # the route knows its length (a generated body may declare it too)
            elif reply.stream or callable(reply.body):
                self.send_header("Connection", "close")  # the end of the body says it ended
                self.close_connection = True
            else:
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            chunks = reply.body() if callable(reply.body) else _slices(reply.body)
            with suppress(BrokenPipeError, ConnectionResetError):  # a client hanging up is fine
                for chunk in chunks:
                    self.wfile.write(chunk)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


def _slices(body: bytes) -> Iterable[bytes]:
    return (body[start : start + _CHUNK] for start in range(0, len(body), _CHUNK))
