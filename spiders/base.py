"""What every discovery spider shares: the budget, the article fetch and its record.

The three spiders differ only in how they find article URLs; fetching an
article, deciding its canonical URL and recording the outcome of the attempt
is done here once, so a feed article and a listing article are archived alike.

A spider here is one outlet's part of a crawl, not a Scrapy spider: one
Scrapy spider (:mod:`newsarchive.spiders.fleet`) runs the parts of every
outlet of a crawl in one crawler, whose per-host slots keep each site polite
(a crawler per outlet cost more than its polls: its settings, engine and
middlewares were built again for each, and their signals grew with the
fleet).  Each part counts its own numbers and keeps its own budget.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, ClassVar

import scrapy
from parsel import Selector
from scrapy.http import Headers, HtmlResponse, Response
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure
from w3lib.html import get_meta_refresh

from newsarchive.errors import InputError
from newsarchive.identity import article_key, canonical_url, without_credentials
from newsarchive.records import (
    GONE_STATUSES,
    HTML_MEDIA_TYPES,
    MOVED_STATUSES,
    Capture,
    Discovery,
    DocumentFailure,
    Fetch,
    FetchOutcome,
    OutletMemory,
    Validators,
    in_utc,
    media_type,
)
from newsarchive.spiders.documents import DocumentLog, document_url, failure_by_outcome, pace
from newsarchive.spiders.known import Known, ask
from newsarchive.spiders.outcomes import describe_failure
from newsarchive.spiders.outlets import Outlet, OutletKind
from newsarchive.spiders.requisites import requisite_requests, requisite_urls
from newsarchive.spiders.retry import retry_after
from newsarchive.spiders.stats import (
    DISCOVERED,
    DOCUMENTS_FAILED,
    DOCUMENTS_READ,
    LOGGED_SKIPS,
    PAGES_OVER_BUDGET,
    SKIPPED,
    STAT_PREFIX,
    UNSENT,
    SkipReason,
)
from newsarchive.spiders.urls import choose_canonical, on_site
from newsarchive.spiders.wire import received_headers

logger = logging.getLogger(__name__)

MAX_URL_LENGTH = 2083
"""Longer article URLs are skipped (and counted): browsers and servers refuse them too."""

REVISIT = "revisit"
"""``Discovery.via`` of a known article fetched again on its revisit schedule."""

REFRESH = "meta-refresh"
"""``Discovery.via`` of a page another page's ``<meta http-equiv="refresh">`` sent to."""

MAX_REFRESH_DELAY = 100
"""Seconds: a slower refresh is a page reloading itself, not sending elsewhere (Scrapy's)."""
OUTLET_META = "newsarchive_outlet"
"""The request meta key naming the outlet a request is for."""
LEAD_META = "lead"
"""The request meta key of an article request's :class:`ArticleLead`."""


@dataclass(frozen=True, slots=True)
class ArticleLead:
    """An article URL about to be fetched and how it was found (request meta)."""

    url: str
    discovery: Discovery
    known: bool = False  # fetched before: a "gone" or a redirect elsewhere is its capture


def header_tuples(headers: Headers) -> tuple[tuple[str, str], ...]:
    """Scrapy headers as ``(name, value)`` pairs, repeated names kept in order."""
    return tuple(headers.to_tuple_list())


def conditional_headers(validators: Validators | None) -> dict[str, str]:
    """The headers of a conditional GET for an article fetched before."""
    if validators is None:
        return {}
    headers = {}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def joined(response: Response, link: str) -> str:
    """``link`` made absolute against the page; a link too broken to join is kept as it is.

    A feed entry or a canonical tag is outside input: one that cannot even be
    parsed as a URL must cost that entry (it is skipped as invalid), never the
    rest of the document.
    """
    try:
        return response.urljoin(link)
    except ValueError:
        return link


def is_html_type(content_type: bytes) -> bool:
    """Whether a declared Content-Type is one the archive keeps as a page."""
    return media_type(content_type.decode("latin-1")) in HTML_MEDIA_TYPES


def is_html(response: Response) -> bool:
    """HTML by declared type; without a Content-Type, by what Scrapy sniffed."""
    declared = response.headers.get("Content-Type")
    if declared:
        return is_html_type(declared)
    return isinstance(response, HtmlResponse)


class ArticleSpider:
    """Base of the discovery spiders: subclasses implement :meth:`parse_start`.

    ``max_pages`` counts every request the spider issues (discovery pages and
    articles), so an endless pagination or a huge sitemap ends within budget.

    A *poll* (``polling``, what the fleet runs) asks conditionally for the
    discovery documents the archive read before and reads no further than
    one that is unchanged; of the articles they list it fetches the new ones,
    and the known ones only when a document dates them after their last
    fetch; known articles due again (``memory.revisits``) are fetched on their
    own schedule.  Otherwise every listed article is fetched, conditionally
    when known, as an operator's crawl of named outlets does.
    """

    kind: ClassVar[OutletKind]
    """The kind of outlet the spider crawls (:mod:`newsarchive.spiders.kinds` holds them all)."""

    def __init__(
        self,
        outlet: Outlet,
        known: Known | None = None,
        memory: OutletMemory | None = None,
        polling: bool = False,
        settings: BaseSettings | None = None,
    ) -> None:
        self.name = outlet.name
        self.outlet = outlet
        self.settings = settings or BaseSettings()
        self.counters: Counter[str] = Counter()
        self.document_error = ""
        self.allowed_domains = list(outlet.allowed_domains)
        self.known = known
        self.memory = memory or OutletMemory()
        self.polling = polling
        self.documents = DocumentLog()
        self._seen: set[str] = set()
        self._issued = 0

    def start(self) -> Iterator[scrapy.Request]:
        """The outlet's first requests: its discovery documents, then its revisits."""
        for url in self.outlet.start_urls:
            request = self.start_request(url)
            if request is not None:
                yield request
        revisits = ((url, Discovery(via=REVISIT, source_url=url)) for url in self.memory.revisits)
        yield from self.article_requests(revisits)

    def start_request(self, url: str) -> scrapy.Request | None:
        """The request for a start URL: the document itself (a spider may ask for another)."""
        return self.page_request(url, self.parse_start)

    def parse_start(self, response: Response) -> Iterable[Any]:
        raise NotImplementedError

    def count(self, key: str) -> None:
        """Add one to the outlet's counter ``key`` (see :mod:`newsarchive.spiders.stats`)."""
        self.counters[f"{STAT_PREFIX}/{key}"] += 1

    def _count(self, key: str) -> None:
        self.count(key)

    def request(self, url: str, **kwargs: Any) -> scrapy.Request:
        """A request of this outlet's: tagged with it, so the crawl knows whose it is."""
        meta = {OUTLET_META: self.name, **kwargs.pop("meta", {})}
        return scrapy.Request(url, meta=meta, dont_filter=True, **kwargs)

    def _skip(self, reason: SkipReason, url: str) -> None:
        """A discovered URL declined before any request: counted under its reason."""
        self._count(f"{SKIPPED}/{reason}")
        if reason in LOGGED_SKIPS:
            logger.warning("%s: skipped %s (%s)", self.name, url[:300], reason)

    def left_unsent(self, request: scrapy.Request) -> None:
        """Count a request of this outlet's the crawl deadline left unsent: an article's as
        its URL skipped (``deadline``), any other (a discovery page, a requisite) as unsent."""
        lead = request.meta.get(LEAD_META)
        if isinstance(lead, ArticleLead):
            self._skip("deadline", lead.url)
        else:
            self._count(UNSENT)

    def _spend(self) -> bool:
        """Take one request from the budget; False once it is used up."""
        if self._issued >= self.outlet.max_pages:
            return False
        self._issued += 1
        return True

    def page_request(
        self,
        url: str,
        callback: Callable[..., Any],
        *,
        conditional: bool = True,
        errback: Callable[[Failure], Any] | None = None,
        **cb_kwargs: Any,
    ) -> scrapy.Request | None:
        """A request for a feed, sitemap or listing page (never archived); in a poll a
        conditional one, unless the document must be read every time (robots.txt)."""
        url = without_credentials(url)  # a child sitemap's user:password@ is neither sent nor kept
        try:
            page = article_key(url)
        except InputError as exc:
            self.document_failed(url, str(exc))
            return None
        if not on_site(url, self.allowed_domains):
            self.document_failed(url, "not on the outlet's allowed_domains")
            return None
        if page in self._seen:
            return None
        if not self._spend():
            self._count(PAGES_OVER_BUDGET)
            return None
        self._seen.add(page)
        known = self.memory.document(url) if self.polling and conditional else None
        validators = Validators(known.etag, known.last_modified) if known else None
        return self.request(
            url,
            callback=callback,
            cb_kwargs=cb_kwargs,
            errback=errback or self.page_failed,
            headers=conditional_headers(validators),
        )

    def document_answered(self, response: Response, *, compare: bool = True) -> bool:
        """Whether to read a discovery document: it answered 200 and, in a poll, has changed
        (or is not to be ``compare``d with last time).

        A 304, or the same bytes as last time, is read already (and counted
        so); any other status counts as a failed document.
        """
        url = document_url(response)
        check = self.documents.answered(response, self.memory.document(url) if compare else None)
        if check.failure is not None:
            self.document_failed(url, check.reason or "failed", check.failure)
            return False
        if check.unchanged and (self.polling or response.status == 304):
            self.document_read()
            return False
        return True

    def document_read(self, url: str | None = None, entries: int = 0) -> None:
        """A discovery document was read as the kind it should be; when read just now (``url``
        given), it listed ``entries`` URLs of any sort."""
        self._count(DOCUMENTS_READ)
        if url is not None:
            self.documents.read(url, entries)

    def document_failed(
        self, url: str, reason: str, kind: DocumentFailure = DocumentFailure.UNREADABLE
    ) -> None:
        """A feed, sitemap or listing page that could not be read, and why (the first is kept)."""
        self._count(DOCUMENTS_FAILED)
        self.documents.failed(url, kind, reason)
        if not self.document_error:
            self.document_error = f"{url}: {reason}"
        logger.warning("%s: discovery document %s: %s", self.name, url, reason)

    def unreadable(self, response: Response, what: str) -> None:
        """A document that answered 200 but is not what the outlet's kind expects."""
        self.document_failed(document_url(response), f"not {what}")

    def page_failed(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        outcome, message = describe_failure(failure)
        url = request.meta.get("redirect_urls", [request.url])[0] if request is not None else "?"
        self.document_failed(url, message, failure_by_outcome(outcome, message))

    def article_requests(self, leads: Iterable[tuple[str, Discovery]]) -> Iterator[scrapy.Request]:
        """Requests for the articles a discovery document lists: once per identity, and
        conditional for those the archive fetched before (asked once for the document).

        Every distinct URL listed is counted as discovered and ends either in a
        request or in one counted skip reason.  In a poll, a known article
        ends as skipped ``known`` unless it is due (see the class).
        """
        listed = list(leads)
        chosen = [(*picked, discovery) for url, discovery in listed if (picked := self._pick(url))]
        known = ask(self.known, self.name, [key for _, key, _ in chosen])
        if listed and listed[0][1].via not in (REVISIT, REFRESH):  # no document listed them
            unknown = sum(1 for _, key, _ in chosen if key not in known)
            per_hour = pace(discovery.published for _, _, discovery in chosen)
            self.documents.listed(listed[0][1].source_url, len(chosen), unknown, per_hour)
        for article, key, discovery in chosen:
            before = known.get(key)
            if self.polling and before is not None and not _due(discovery, before):
                self._skip("known", article)
            elif not self._spend():
                self._skip("over-budget", article)
            else:
                lead = ArticleLead(article, discovery, known=before is not None)
                yield self.request(
                    article,
                    callback=self.parse_article,
                    errback=self.article_failed,
                    headers=conditional_headers(before),
                    # a known article's redirect is seen, not followed: it may have moved away
                    meta={LEAD_META: lead, "dont_redirect": lead.known},
                )

    def _pick(self, url: str) -> tuple[str, str] | None:
        """The canonical URL and key of an article to consider, or None once it is skipped."""
        article: str | None
        try:
            article, key = canonical_url(url), article_key(url)
        except InputError:
            article, key = None, url
        if key in self._seen:
            return None
        self._seen.add(key)
        self._count(DISCOVERED)
        if article is None:
            self._skip("invalid-url", url)
        elif len(article) > MAX_URL_LENGTH:
            self._skip("url-too-long", url)
        elif not on_site(article, self.allowed_domains):
            self._skip("off-site", url)
        elif not self.outlet.matches_article(article):
            self._skip("out-of-pattern", url)
        else:
            return article, key
        return None

    def parse_article(self, response: Response) -> Iterable[Fetch | scrapy.Request]:
        lead: ArticleLead = response.meta[LEAD_META]
        now = datetime.now(UTC)
        if lead.known and response.status in MOVED_STATUSES:
            yield self._moved(response, lead, now)
            return
        if response.status == 304:
            outcome = FetchOutcome.NOT_MODIFIED
        elif lead.known and response.status in GONE_STATUSES:
            yield self._gone(response, lead, now)
            return
        elif response.status != 200:
            outcome = FetchOutcome.HTTP_ERROR
        elif not is_html(response):
            outcome = FetchOutcome.NOT_HTML
        else:
            declared, requisites = self._links(response)
            yield self._fetched(response, declared, lead, now)
            yield from requisite_requests(self, response.url, requisites)
            refreshed = refresh_target(response)
            if refreshed is not None:  # the page it refreshes to, as a lead of its own
                yield from self.article_requests(
                    [(refreshed, Discovery(via=REFRESH, source_url=response.url))]
                )
            return
        yield Fetch(
            outlet=self.name,
            url=lead.url,
            outcome=outcome,
            fetched_at=now,
            status=response.status,
            error=None if outcome is FetchOutcome.NOT_MODIFIED else _http_error(response),
            discovery=lead.discovery,
            attempts=_attempts(response.meta),
        )

    def _links(self, response: Response) -> tuple[str | None, list[str]]:
        """The page's declared canonical link, and its requisites' URLs when the outlet keeps them.

        Read from a tree of their own that dies here, not with
        ``response.xpath``, which keeps the parsed page (several times the
        page's size) on the response for as long as anything holds that, and
        a crawl's memory then grows with its length
        (``docs/decisions/0002-bounded-hand-over-from-crawl-to-catalog.md``).
        """
        page = Selector(text=response.text)
        declared = page.xpath("//link[@rel='canonical']/@href").get()
        if not self.outlet.requisites:
            return declared, []
        hosts = (*self.outlet.allowed_domains, *self.outlet.requisite_hosts)
        return declared, requisite_urls(page, response.url, hosts)

    def _fetched(
        self, response: Response, declared: str | None, lead: ArticleLead, now: datetime
    ) -> Fetch:
        url = choose_canonical(
            response.url, joined(response, declared) if declared else None, self.allowed_domains
        )
        if url != lead.url:
            self._seen.add(article_key(url))
        return self._captured(response, url, lead, now, FetchOutcome.FETCHED)

    def _moved(
        self, response: Response, lead: ArticleLead, now: datetime
    ) -> Fetch | scrapy.Request:
        """A known article's redirect: followed when it leads to the same article (another
        scheme or ``www`` label, say), kept as its capture when it leads elsewhere."""
        location = response.headers.get("Location")
        target = response.urljoin(location.decode("latin-1")) if location else None
        try:
            same = target is not None and article_key(target) == article_key(lead.url)
        except InputError:
            same = False
        if same and target is not None and response.request is not None:
            meta = {k: v for k, v in response.meta.items() if k != "dont_redirect"}
            return response.request.replace(url=target, meta=meta)
        return self._gone(response, lead, now)

    def _gone(self, response: Response, lead: ArticleLead, now: datetime) -> Fetch:
        """A known article no longer served (404, 410, 451, a redirect elsewhere): its capture,
        with the status, headers and body as served."""
        fetch = self._captured(response, lead.url, lead, now, FetchOutcome.GONE)
        return replace(fetch, error=_http_error(response))

    def _captured(
        self, response: Response, url: str, lead: ArticleLead, now: datetime, outcome: FetchOutcome
    ) -> Fetch:
        capture = Capture(
            outlet=self.name,
            url=url,
            requested_url=lead.url,
            final_url=response.url,
            status=response.status,
            fetched_at=now,
            request_headers=header_tuples(response.request.headers) if response.request else (),
            response_headers=received_headers(response, header_tuples(response.headers)),
            body=response.body,
            discovery=lead.discovery,
        )
        return Fetch(
            outlet=self.name,
            url=url,
            outcome=outcome,
            fetched_at=now,
            status=response.status,
            capture=capture,
            discovery=lead.discovery,
            attempts=_attempts(response.meta),
        )

    def article_failed(self, failure: Failure) -> Iterable[Fetch]:
        request = failure.request  # type: ignore[attr-defined]
        lead: ArticleLead = request.meta[LEAD_META]
        outcome, message = describe_failure(failure)
        yield Fetch(
            outlet=self.name,
            url=lead.url,
            outcome=outcome,
            fetched_at=datetime.now(UTC),
            error=message,
            discovery=lead.discovery,
            attempts=_attempts(request.meta),
        )


def _due(discovery: Discovery, before: Validators) -> bool:
    """A known article is due in a poll when it comes to be revisited, or when the document
    listing it dates a change after its last fetch."""
    if discovery.via == REVISIT:
        return True
    changed = discovery.modified or discovery.published
    if changed is None or before.fetched_at is None:
        return False
    stated = in_utc(changed)
    return stated is not None and stated > before.fetched_at


def _http_error(response: Response) -> str:
    """``HTTP 503``, with what the server asked for when it said when to come back."""
    asked = retry_after(response)
    if asked is None:
        return f"HTTP {response.status}"
    return f"HTTP {response.status}, Retry-After {asked:.0f} s"


def _attempts(meta: Mapping[str, Any]) -> int:
    """Requests an outcome took: Scrapy's RetryMiddleware counts the retries in the meta."""
    return int(meta.get("retry_times", 0)) + 1


def refresh_target(response: Response) -> str | None:
    """Where a page's ``<meta http-equiv="refresh">`` sends a reader, if to another page soon."""
    delay, target = get_meta_refresh(response.text, response.url)
    if target is None or delay is None or delay > MAX_REFRESH_DELAY:
        return None
    try:
        return None if article_key(target) == article_key(response.url) else target
    except InputError:
        return None
