"""One fetched page -> one :class:`Extraction`, under an outlet profile.

The page is decoded and parsed once.  Profile rules that read the page (dates,
lead, syndication) work on that tree; trafilatura gets a copy with the
profile's furniture pruned, so pruning can never hide what a rule needs.
Dates are collected as candidates and chosen by the precedence documented in
:mod:`newsarchive.extraction.dates`.
"""

from __future__ import annotations

from copy import deepcopy

from lxml.html import HtmlElement
from trafilatura import bare_extraction
from trafilatura.settings import Document
from trafilatura.utils import load_html

from newsarchive.errors import ExtractionError, InputError
from newsarchive.extraction.dates import choose, modified_date, published_candidates
from newsarchive.extraction.decoding import decode_html
from newsarchive.extraction.page_metadata import PageMetadata
from newsarchive.extraction.paragraphs import body_paragraphs, clean
from newsarchive.extraction.profile import Profile, Syndication
from newsarchive.extraction.profiles import get_profile
from newsarchive.records import (
    HTML_MEDIA_TYPES,
    Discovery,
    Extraction,
    Headers,
    header_value,
    media_type,
)

AUTHOR_META = ("author", "article:author", "dc.creator", "sailthru.author", "parsely-author")
_TITLE_SEPARATORS = " |-\u2013\u2014:\u00b7,"  # hyphen, en and em dash, middle dot
# Beyond what the crawl archives as pages, saved files often carry these: worth a try.
_PARSEABLE_TYPES = HTML_MEDIA_TYPES | {"text/xml", "application/xml", "text/plain"}


def _check_content_type(content_type: str | None) -> None:
    mime = media_type(content_type)
    if mime and mime not in _PARSEABLE_TYPES:
        raise InputError(f"not an HTML document (served as {mime})")


def _strip_site_suffix(title: str | None, sitename: str | None) -> str | None:
    """``Headline | KCNA Watch`` -> ``Headline``: the site name is not part of a headline."""
    if not title:
        return None
    title = clean(title)
    if sitename and title.endswith(sitename) and len(title) > len(sitename):
        head = title[: -len(sitename)]
        if head[-1] in _TITLE_SEPARATORS:
            return head.rstrip(_TITLE_SEPARATORS) or title
    return title


def _author(document: Document, meta: PageMetadata) -> str | None:
    """The byline, unless it merely names the publishing organisation.

    trafilatura reads bylines from the article markup, which profiles may have
    pruned as furniture, so the declared ``author`` meta tags are the fallback.
    """
    declared = meta.first(*AUTHOR_META)
    for candidate in (document.author, declared[1] if declared else None):
        author = clean(candidate or "")
        if author and author.casefold() not in meta.organisation_names():
            return author
    return None


def _pruned(tree: HtmlElement, profile: Profile) -> HtmlElement:
    """A copy of ``tree`` without the profile's furniture; rules keep reading the original."""
    pruned = deepcopy(tree)
    for xpath in profile.prune:
        for node in xpath(pruned):
            if node.getparent() is not None:
                node.drop_tree()  # keeps the node's tail text, unlike remove()
    return pruned


def _trafilatura(tree: HtmlElement, url: str | None, profile: Profile) -> Document:
    document = bare_extraction(tree, options=profile.options.build(url))
    if not isinstance(document, Document) or not (document.text or "").strip():
        raise ExtractionError("no article text found in the page")  # None: trafilatura gave up
    return document


def extract(
    body: bytes,
    *,
    url: str | None = None,
    headers: Headers | None = None,
    profile: str = "generic",
    discovery: Discovery | None = None,
) -> Extraction:
    """Read the article out of a fetched page.

    InputError when ``body`` is no parseable HTML page, ExtractionError when
    it is one but holds no article text, ConfigError for an unknown profile.
    """
    chosen = get_profile(profile)
    content_type = header_value(headers, "Content-Type")
    _check_content_type(content_type)
    text, _encoding = decode_html(body, content_type)
    tree = load_html(text)
    if tree is None:
        raise InputError("could not parse the document as HTML")

    meta = PageMetadata.read(tree)
    lead = chosen.lead(tree) if chosen.lead else None
    document = _trafilatura(_pruned(tree, chosen), url, chosen)

    title = _strip_site_suffix(document.title, document.sitename) or (
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
        chosen.syndication(tree, body_text) if chosen.syndication else None
    )
    candidates = published_candidates(
        meta,
        tree,
        profile_dates=[rule(tree) for rule in chosen.date_rules],
        discovery=discovery,
        htmldate=document.date,
    )
    published = choose(candidates)
    return Extraction(
        url=url or document.url or "",
        profile=chosen.name,
        title=title,
        text=body_text,
        author=byline or _author(document, meta),
        language=meta.language(),
        published=published.value if published else None,
        modified=modified_date(meta, discovery),
        date_source=published.source if published else None,
        sitename=document.sitename,
        description=clean(document.description or "") or None,
        original_source=syndication.source if syndication else None,
        original_url=syndication.url if syndication else None,
        tags=meta.tags() or tuple(document.tags or ()),
        date_candidates=candidates,
    )
