"""Why a download failed, in the archive's vocabulary (:class:`FetchOutcome`).

Scrapy reports refusals and limits as exceptions from its middlewares and
download handlers.  Some of them (robots.txt, redirect limit, decompression
limit) share the class ``IgnoreRequest`` and differ only by message, so the
messages Scrapy 2.19 uses are listed here in one table instead of being
matched in several places.
"""

from __future__ import annotations

from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from twisted.python.failure import Failure

from newsarchive.records import FetchOutcome
from newsarchive.spiders.guard import RefusedRequest

IGNORE_REASONS: tuple[tuple[str, FetchOutcome], ...] = (
    ("max redirections reached", FetchOutcome.REDIRECT_LOOP),  # RedirectMiddleware
    ("DOWNLOAD_MAXSIZE", FetchOutcome.TOO_LARGE),  # HttpCompressionMiddleware (gzip bomb)
    ("Forbidden by robots.txt", FetchOutcome.REFUSED),  # RobotsTxtMiddleware
    ("Filtered offsite request", FetchOutcome.REFUSED),  # OffsiteMiddleware
)


def describe_failure(failure: Failure) -> tuple[FetchOutcome, str]:
    """The outcome of a failed download and a one-line reason."""
    error = failure.value
    message = " ".join(str(error).split()) or type(error).__name__
    if isinstance(error, RefusedRequest):
        return FetchOutcome.REFUSED, message
    if isinstance(error, DownloadCancelledError):  # aborted past DOWNLOAD_MAXSIZE
        return FetchOutcome.TOO_LARGE, message
    if isinstance(error, IgnoreRequest):
        for marker, outcome in IGNORE_REASONS:
            if marker in message:
                return outcome, message
        return FetchOutcome.REFUSED, message
    return FetchOutcome.NETWORK_ERROR, f"{type(error).__name__}: {message}"
