"""The response headers as they arrived, before Scrapy's decompression rewrote them.

Scrapy's HttpCompressionMiddleware undoes gzip, deflate, br and zstd and then
deletes ``Content-Encoding``, leaving the ``Content-Length`` of the encoded
bytes.  The archive keeps the decoded body (what every reader, extractor and
replay tool needs), so what it must not lose is the evidence of how the body
travelled: this middleware sits just outside decompression and keeps the
headers as received in the request meta, where the capture takes them from.
"""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.http import Response

from newsarchive.records import Headers

RECEIVED_HEADERS = "newsarchive_received_headers"
PRIORITY = 595
"""Just outside HttpCompressionMiddleware (590): responses reach this one first."""


class ReceivedHeaders:
    """Downloader middleware keeping each final response's headers as they came."""

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        request.meta[RECEIVED_HEADERS] = tuple(response.headers.to_tuple_list())
        return response


def received_headers(response: Response, fallback: Headers) -> Headers:
    """The headers ``response`` arrived with (``fallback`` when the middleware did not run)."""
    kept: Headers | None = response.meta.get(RECEIVED_HEADERS)
    return kept if kept is not None else fallback
