"""HEAD on every route: the GET's status and headers, without its body (RFC 9110, 9.3.2).

FastAPI routes answer only the methods they declare, so a HEAD got 405.
Memento clients ask TimeGates, TimeMaps and mementos with HEAD (mementoweb's
reference client always does), and link checkers and caches do too.
Answering HEAD as the GET with its body dropped keeps the two alike by
construction, for every route the viewer has or gains; the viewer is
read-only, so a GET is always safe to run in its place.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """ASGI middleware: a HEAD request runs as its GET, and only the headers go out."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # a streamed body's parts: none is sent
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
