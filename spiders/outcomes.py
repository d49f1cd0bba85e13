"""Why a download failed, in the archive's vocabulary (:class:`FetchOutcome`).

Scrapy reports refusals and limits as exceptions from its middlewares and
download handlers.  Two of them, the redirect limit and the decompression
limit, raise a bare ``IgnoreRequest`` like robots.txt does and differ only by
message, so the messages of the locked Scrapy are listed here in one table.
``tests/spiders/test_outcomes.py`` makes the real middlewares produce each
one, so a Scrapy release that rewords a message fails there by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from twisted.python.failure import Failure

from newsarchive.records import FetchOutcome
from newsarchive.spiders.guard import NonPublicAddress, RefusedRequest

IGNORE_REASONS: tuple[tuple[str, FetchOutcome], ...] = (
    ("max redirections reached", FetchOutcome.REDIRECT_LOOP),  # RedirectMiddleware
    ("DOWNLOAD_MAXSIZE", FetchOutcome.TOO_LARGE),  # HttpCompressionMiddleware (gzip bomb)
)
"""Marker in the message -> outcome; any other ``IgnoreRequest`` (robots.txt) is REFUSED."""


NETWORK_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (DownloadConnectionRefusedError, "connection refused"),
    (CannotResolveHostError, "host name not found"),
    (DownloadTimeoutError, "timed out"),
    (ResponseDataLossError, "connection lost mid-answer"),
)
"""Scrapy's download errors (the same in both crawl modes) in the words an operator reads."""


def _causes(error: BaseException | None) -> Iterator[BaseException]:
    """The error and what it was raised from: Scrapy wraps the connection's own errors."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        inner = getattr(current, "os_error", None)  # aiohttp's connector errors carry it
        current = current.__cause__ or (inner if isinstance(inner, BaseException) else None)


_NAMED_REQUEST = re.compile(r" ?(?:in request )?<(?:[A-Z]+|\d{3}) [^>]+>")
"""Where Scrapy's message names the request (``<GET url>``) or response (``<200 url>``)."""


def describe_failure(failure: Failure) -> tuple[FetchOutcome, str]:
    """The outcome of a failed download and a one-line reason.

    The reason never names the URL: the fetch is filed under its own, and the
    URL Scrapy's message names is the one the download went to, which for a
    rerouted crawl is the stand-in server's loopback address.
    """
    error = failure.value
    message = _NAMED_REQUEST.sub("", " ".join(str(error).split())) or type(error).__name__
    if isinstance(error, RefusedRequest):
        return FetchOutcome.REFUSED, message
    guarded = next((e for e in _causes(error) if isinstance(e, NonPublicAddress)), None)
    if guarded is not None:  # the guard refused the address at connection time
        return FetchOutcome.REFUSED, str(guarded)
    if isinstance(error, DownloadCancelledError):  # aborted past DOWNLOAD_MAXSIZE
        return FetchOutcome.TOO_LARGE, message
    if isinstance(error, IgnoreRequest):
        for marker, outcome in IGNORE_REASONS:
            if marker in message:
                return outcome, message
        return FetchOutcome.REFUSED, message
    for kind, reason in NETWORK_REASONS:
        if isinstance(error, kind):
            return FetchOutcome.NETWORK_ERROR, reason
    return FetchOutcome.NETWORK_ERROR, f"{type(error).__name__}: {message}"
