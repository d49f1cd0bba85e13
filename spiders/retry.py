"""Retries that wait as long as the server asked: ``Retry-After`` on 429 and 503.

Scrapy's RetryMiddleware retries at once; a site that answered "busy, come
back in 20 seconds" then gets the same request again within milliseconds.
This subclass waits the time the server gave (RFC 9110 10.2.3, seconds or an
HTTP date) before retrying, and tells the site's download slot to keep at
least that spacing for the requests after it.  A wait beyond
:data:`MAX_RETRY_AFTER_SECONDS` is not worth holding a run for: the page is
not retried in this run, and its record says what the server asked.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response

MAX_RETRY_AFTER_SECONDS = 120.0
RETRY_AFTER_STATUSES = frozenset({429, 503})


def retry_after(response: Response) -> float | None:
    """Seconds the response asks to wait before trying again; None when it does not ask."""
    if response.status not in RETRY_AFTER_STATUSES:
        return None
    value = (response.headers.get("Retry-After") or b"").decode("latin-1").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None  # a header we cannot read is no request to wait
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class PoliteRetryMiddleware(RetryMiddleware):
    """Scrapy's retry middleware, honouring ``Retry-After`` up to a cap."""

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        wait = retry_after(response)
        if wait is None or request.meta.get("dont_retry", False):
            return super().process_response(request, response)
        if wait > MAX_RETRY_AFTER_SECONDS:
            return response  # not this run: the record says what the server asked
        self._space_out(request, wait)
        await asyncio.sleep(wait)
        return super().process_response(request, response)

    def _space_out(self, request: Request, wait: float) -> None:
        """Keep at least ``wait`` between this site's requests from now on (its throttle)."""
        engine = self.crawler.engine
        downloader = getattr(engine, "downloader", None)
        if downloader is None:
            return
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is not None:
            slot.delay = max(slot.delay, wait)
