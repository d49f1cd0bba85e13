"""One fetched page -> one :class:`Extraction`, under an outlet profile.

The page is decoded and parsed once into a :class:`Page`, and its meta tags
and JSON-LD are read once (:class:`PageMetadata`).  Profile rules that read
the page (dates, lead, syndication) get that page; trafilatura gets its tree,
copies it and prunes the profile's furniture from its copy, so pruning can
never hide what a rule needs.  trafilatura's own metadata pass is not run:
title, author, site name and dates come from the metadata already read, and
htmldate's text search runs only when the page states no date of its own.
Dates are collected as candidates and chosen by the precedence documented in
:mod:`newsarchive.extraction.dates`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from htmldate import find_date
from trafilatura import bare_extraction
from trafilatura.metadata import extract_title, extract_url
from trafilatura.settings import Document
from trafilatura.utils import load_html

from newsarchive.errors import ExtractionError, InputError
from newsarchive.extraction.bylines import markup_byline
from newsarchive.extraction.dates import choose, modified_date, published_candidates
from newsarchive.extraction.decoding import decode_html
from newsarchive.extraction.page import Page
from newsarchive.extraction.page_metadata import PageMetadata
from newsarchive.extraction.paragraphs import body_paragraphs, clean
from newsarchive.extraction.profile import Profile, Syndication
from newsarchive.extraction.profiles import get_profile
from newsarchive.extraction.tables import flatten_layout_tables
from newsarchive.extraction.titles import headline
from newsarchive.records import (
    HTML_MEDIA_TYPES,
    Discovery,
    Extraction,
    Headers,
    header_value,
    in_utc,
    media_type,
)

# Beyond what the crawl archives as pages, saved files often carry these: worth a try.
_PARSEABLE_TYPES = HTML_MEDIA_TYPES | {"text/xml", "application/xml", "text/plain"}


def _check_content_type(content_type: str | None) -> None:
    mime = media_type(content_type)
    if mime and mime not in _PARSEABLE_TYPES:
        raise InputError(f"not an HTML document (served as {mime})")


def _author(page: Page, meta: PageMetadata) -> str | None:
    """The declared author, else the markup's byline; never the publishing organisation."""
    organisations = meta.organisation_names()
    for candidate in meta.authors():
        author = clean(candidate)
        if author.casefold() not in organisations:
            return author
    author = clean(markup_byline(page) or "")
    return author if author and author.casefold() not in organisations else None


def _trafilatura(page: Page, profile: Profile) -> Document:
    """The main text; trafilatura works on its own copy of the tree and prunes furniture there."""
    prune = [xpath.path for xpath in profile.prune] or None
    options = profile.options.build(page.url)
    document = bare_extraction(page.tree, options=options, prune_xpath=prune)
    if not isinstance(document, Document) or not (document.text or "").strip():
        raise ExtractionError("no article text found in the page")  # None: trafilatura gave up
    return document


def _text_date(page: Page, captured: datetime) -> str | None:
    """htmldate's guess from the page's markup, in its fast mode, no later than the capture.

    trafilatura asks for the extensive search, which also reads the free text:
    about 23 ms a page on the snippet set against 5 ms, more than a third of a
    whole extraction, for pages that state no date anywhere in their markup.
    """
    latest = captured.date().isoformat()
    return find_date(
        page.tree, extensive_search=False, original_date=True, max_date=latest, url=page.url
    )


def extract(
    body: bytes,
    *,
    url: str | None = None,
    headers: Headers | None = None,
    profile: str = "generic",
    discovery: Discovery | None = None,
    captured: datetime | None = None,
) -> Extraction:
    """Read the article out of a fetched page.

    ``captured`` is when the page was fetched (now, for a file read off disk):
    a date later than it cannot be the page's.  InputError when ``body`` is no
    parseable HTML page, ExtractionError when it is one but holds no article
    text, ConfigError for an unknown profile.
    """
    chosen = get_profile(profile)
    content_type = header_value(headers, "Content-Type")
    _check_content_type(content_type)
    text, _encoding = decode_html(body, content_type)
    tree = load_html(text)
    if tree is None:
        raise InputError("could not parse the document as HTML")
    moment = in_utc(captured) if captured is not None else None  # a naive time is UTC
    return _read(Page(tree, url), chosen, discovery, moment or datetime.now(UTC))


def _read(
    page: Page, chosen: Profile, discovery: Discovery | None, captured: datetime
) -> Extraction:
    """Everything :func:`extract` reads out of the parsed page."""
    meta = PageMetadata.read(page)
    lead = chosen.lead(page) if chosen.lead else None
    if chosen.options.include_tables:
        flatten_layout_tables(page)  # no rule reads table markup: retagged in place, not copied
    document = _trafilatura(page, chosen)
    site_names = meta.site_names()
    sitename = site_names[0] if site_names else None

    title = headline(meta.title() or extract_title(page.tree), site_names, page) or (
        discovery.title if discovery else None
    )
    paragraphs = body_paragraphs(document.text, title=title, lead=lead)
    byline = chosen.closing_byline(paragraphs[-1]) if chosen.closing_byline and paragraphs else None
    if byline:
        paragraphs.pop()
    if not paragraphs:
        raise ExtractionError("no article text found in the page")
    body_text = "\n".join(paragraphs)
    syndication: Syndication | None = (
        chosen.syndication(page, body_text) if chosen.syndication else None
    )
    candidates = published_candidates(
        meta,
        page,
        profile_dates=[rule(page) for rule in chosen.date_rules],
        captured=captured,
        discovery=discovery,
        text_search=partial(_text_date, page, captured),
    )
    published = choose(candidates)
    return Extraction(
        url=page.url or extract_url(page.tree) or "",
        profile=chosen.name,
        title=title,
        text=body_text,
        author=byline or _author(page, meta),
        language=meta.language(),
        published=published.value if published else None,
        modified=modified_date(meta, discovery, captured),
        date_source=published.source if published else None,
        sitename=sitename,
        description=clean(meta.description() or "") or None,
        original_source=syndication.source if syndication else None,
        original_url=syndication.url if syndication else None,
        tags=meta.tags(),
        date_candidates=candidates,
    )
