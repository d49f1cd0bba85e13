"""Page requisites: the stylesheets and images an article page references, fetched with it.

Opt-in per outlet (``requisites = true``): a replay of the archived page then
looks like the page, not like unstyled text.  Requisites are fetched only
from the outlet's own domains and the ``requisite_hosts`` listed for it,
within the outlet's request budget and the response size limit, once per run
however many pages share them.  Each comes back as an ordinary
:class:`~newsarchive.records.Fetch` whose discovery says ``via="requisite"``
and names the page, so it travels the crawl's one path (and the subprocess
mode's JSON lines) unchanged; the capture core files it apart from articles.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import scrapy
from parsel import Selector
from scrapy.http import Response
from twisted.python.failure import Failure

from newsarchive.identity import without_credentials
from newsarchive.records import Capture, Discovery, Fetch, FetchOutcome
from newsarchive.spiders.urls import on_site
from newsarchive.spiders.wire import received_headers

if TYPE_CHECKING:
    from newsarchive.spiders.base import ArticleSpider

REQUISITE_VIA = "requisite"
REQUISITE_META = "newsarchive_requisite"
"""Request meta: a requisite, which may come from the outlet's ``requisite_hosts`` too."""
_UPPER, _LOWER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"
_REL = f"translate(normalize-space(@rel), '{_UPPER}', '{_LOWER}')"  # rel is case-insensitive
STYLESHEETS = f"//link[contains(concat(' ', {_REL}, ' '), ' stylesheet ')]/@href"
IMAGES = "//img/@src"


def is_requisite(fetch: Fetch) -> bool:
    """Whether ``fetch`` brought a page requisite rather than an article."""
    return fetch.discovery is not None and fetch.discovery.via == REQUISITE_VIA


def requisite_urls(page: Selector, page_url: str, hosts: tuple[str, ...]) -> list[str]:
    """Stylesheets then images the page references, absolute, on ``hosts``, each once."""
    found: list[str] = []
    for value in page.xpath(STYLESHEETS).getall() + page.xpath(IMAGES).getall():
        if not value.strip():
            continue  # an empty src names the page itself
        url = without_credentials(urljoin(page_url, value.strip()))
        if on_site(url, hosts) and url not in found:
            found.append(url)
    return found


def requisite_requests(
    spider: ArticleSpider, page_url: str, urls: list[str]
) -> Iterator[scrapy.Request]:
    """Requests for an article page's requisites (:func:`requisite_urls`), once each, in budget."""
    for url in urls:
        seen = f"requisite {url}"
        if seen in spider._seen:
            continue
        if not spider._spend():
            return
        spider._seen.add(seen)
        yield spider.request(
            url,
            callback=partial(_received, spider),
            errback=partial(_failed, spider),
            cb_kwargs={"page": page_url},
            meta={REQUISITE_META: True},  # requisite_hosts are not the outlet's domains
        )


def _received(spider: ArticleSpider, response: Response, page: str) -> Iterator[Fetch]:
    if response.status != 200:
        _count(spider, "requisite_errors")
        return
    now = datetime.now(UTC)
    discovery = Discovery(via=REQUISITE_VIA, source_url=page)
    request = response.request
    asked = request.url if request is not None else response.url
    sent = tuple(request.headers.to_tuple_list()) if request is not None else ()
    capture = Capture(
        outlet=spider.outlet.name,
        url=asked,
        requested_url=asked,
        final_url=response.url,
        status=response.status,
        fetched_at=now,
        request_headers=sent,
        response_headers=received_headers(response, tuple(response.headers.to_tuple_list())),
        body=response.body,
        discovery=discovery,
    )
    _count(spider, "requisites")
    yield Fetch(
        spider.outlet.name, asked, FetchOutcome.FETCHED, now, 200,
        capture=capture, discovery=discovery,
    )  # fmt: skip


def _failed(spider: ArticleSpider, failure: Failure) -> None:
    """A requisite that could not be fetched (too large, refused, gone) is only counted."""
    _count(spider, "requisite_errors")


def _count(spider: ArticleSpider, key: str) -> None:
    spider.count(key)
