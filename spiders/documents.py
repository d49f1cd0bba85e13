"""What a poll saw of each discovery document: the record a schedule and health are set from.

Each feed, sitemap or listing page a spider requests gets one
:class:`~newsarchive.records.DocumentCheck`: how it answered (a 304 or the
same bytes as last time is *unchanged*), its validators and digest for the
next poll, how many articles it listed and how many of those the archive
did not know, its own polling hint and a ``Retry-After``, or why it failed,
in the kinds the fleet weighs (a 404 counts more than a 503).  The checks
travel with the crawl's numbers (in both crawl modes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, time
from typing import Any

from scrapy.http import Response
from scrapy.utils.gz import gunzip, gzip_magic_number

from newsarchive.records import DocumentCheck, DocumentFailure, FetchOutcome, KnownDocument
from newsarchive.spiders.retry import retry_after


def failure_by_status(status: int) -> DocumentFailure:
    """The kind of failure an HTTP status other than 200 and 304 is, for a discovery document."""
    if status in (404, 410):
        return DocumentFailure.GONE
    if status in (401, 403, 451):
        return DocumentFailure.REFUSED
    if status == 429 or status >= 500:
        return DocumentFailure.SERVER
    return DocumentFailure.UNREADABLE


def failure_by_outcome(outcome: FetchOutcome, reason: str) -> DocumentFailure:
    """The kind of failure of a document that got no answer (a network error, a refusal)."""
    if outcome is FetchOutcome.REFUSED:
        return DocumentFailure.REFUSED
    if outcome is FetchOutcome.NETWORK_ERROR and "host name not found" in reason:
        return DocumentFailure.DNS
    if outcome in (FetchOutcome.NETWORK_ERROR,):
        return DocumentFailure.TIMEOUT
    return DocumentFailure.UNREADABLE


def document_url(response: Response) -> str:
    """The URL a discovery document was asked for, before any redirect: what it is kept by."""
    return str(response.meta.get("redirect_urls", [response.url])[0])


class DocumentLog:
    """The checks of one outlet's documents in one poll, keyed by the URL asked for."""

    def __init__(self) -> None:
        self.checks: dict[str, DocumentCheck] = {}
        self._asked_as: dict[str, str] = {}  # where a redirect ended -> the URL asked for

    def answered(self, response: Response, known: KnownDocument | None) -> DocumentCheck:
        """Log a document that answered; its check says whether it is unchanged."""
        url = document_url(response)
        self._asked_as[response.url] = url
        wait = retry_after(response)
        header = response.headers.get
        check = DocumentCheck(
            url=url,
            status=response.status,
            unchanged=response.status == 304,
            etag=_text(header("ETag")),
            last_modified=_text(header("Last-Modified")),
            retry_after_seconds=round(wait) if wait is not None else None,
            seen_before=known is not None,
        )
        if response.status == 200:
            digest = hashlib.sha256(response.body).hexdigest()
            same = known is not None and known.sha256 == digest
            check = replace(check, sha256=digest, unchanged=same)
        elif response.status != 304:
            check = replace(
                check,
                failure=failure_by_status(response.status),
                reason=f"answered HTTP {response.status}",
            )
        self.checks[url] = check
        return check

    def failed(self, url: str, failure: DocumentFailure, reason: str) -> None:
        earlier = self.checks.get(url) or DocumentCheck(url=url)
        self.checks[url] = replace(earlier, failure=failure, reason=reason)

    def read(self, url: str, entries: int) -> None:
        """The document (asked for or answered as ``url``) was read: it listed ``entries``
        URLs of any sort."""
        url = self._asked_as.get(url, url)
        if url in self.checks:
            self.checks[url] = replace(self.checks[url], entries=entries)

    def forget(self, url: str) -> None:
        """A guessed address that is no document of the outlet's (a well-known sitemap path
        that is not there): no check, so no failure and nothing to compare with next time."""
        self.checks.pop(url, None)

    def listed(self, url: str, listed: int, unknown: int, per_hour: float | None = None) -> None:
        """The articles the document (asked for or answered as ``url``) listed, and the pace
        their dates show."""
        url = self._asked_as.get(url, url)
        if url in self.checks:
            self.checks[url] = replace(
                self.checks[url], listed=listed, unknown=unknown, listed_per_hour=per_hour
            )

    def hinted(self, url: str, seconds: int | None) -> None:
        url = self._asked_as.get(url, url)
        if seconds and url in self.checks:
            self.checks[url] = replace(self.checks[url], hint_seconds=seconds)


def unzipped(response: Response, max_size: int) -> bytes | None:
    """A document's bytes, gunzipped within ``max_size`` when they are gzip whatever the
    headers said (``.xml.gz`` served as ``application/octet-stream``, or gzipped twice);
    None when they are gzip but broken or too large."""
    if not gzip_magic_number(response):
        return response.body
    try:
        return gunzip(response.body, max_size=max_size)
    except (OSError, ValueError):
        return None


MIDNIGHT = time(0)
MIN_DATED = 3
"""Dated articles a document must list before their dates are taken for a pace."""


def pace(dates: Iterable[datetime | None]) -> float | None:
    """Articles an hour, from the publication times a document gives its articles: how a
    feed read for the first time already tells a busy outlet from a quiet one.

    Only times of day count (a bare date, midnight, says too little), and at
    least :data:`MIN_DATED` of them spread over some time.
    """
    times = sorted(d for d in dates if d is not None and d.tzinfo and d.time() != MIDNIGHT)
    if len(times) < MIN_DATED:
        return None
    hours = (times[-1] - times[0]).total_seconds() / 3600
    return (len(times) - 1) / hours if hours > 0 else None


def checks_from_child(value: Any) -> tuple[DocumentCheck, ...]:
    """The checks back from the crawl child's line of numbers (plain dicts)."""
    if not isinstance(value, list):
        return ()
    return tuple(
        DocumentCheck(
            **{
                **item,
                "failure": DocumentFailure(item["failure"]) if item.get("failure") else None,
            }
        )
        for item in value
    )


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value else None
