"""One article, one identity: the rule that files an article and finds it again.

Two strings are kept for every article URL, both derived here and nowhere else:

- :func:`canonical_url` is the URL fetched, shown and exported: credentials
  (``user:password@``) removed, as browsers remove them from what they pass
  on, so that none is ever sent or filed (decision record 0027); tracking
  parameters (``utm_*``, ``fbclid``, ``gclid``, ``mc_cid`` ... as courlan knows
  them) and the fragment removed, the query sorted, the host lower-cased,
  the default port and escapes normalised (w3lib).
- :func:`article_key` is the identity the archive files articles under and
  looks them up by.  It is the canonical URL without what does not make a
  different article on a news site: the scheme (``http`` and ``https``), a
  leading ``www``/``wwwN`` label, and a trailing slash.  The same choices are
  made by web-archive indexes (SURT keys), so an archivist's URL finds the
  article however it was written.

A third, :func:`surt_key`, is not an identity but an index key: the SURT
form web-archive indexes sort captures by, so a CDX query for a URL, a
path, a host or a domain is one range of keys.

Changing :func:`article_key` changes what the catalog's ``url_key`` columns
(of articles and of fetches) mean: it needs a migration that recomputes them.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from courlan import normalize_url
from w3lib.url import canonicalize_url

from newsarchive.errors import InputError

ALLOWED_SCHEMES = frozenset({"http", "https"})
_WWW_LABEL = re.compile(r"www\d*")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """The URL an article is fetched and shown under; InputError when it is no http(s) URL."""
    text = without_credentials(url.strip())
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a port that is out of range or no number
    except ValueError as exc:
        raise InputError(f"not a URL: {text[:200]!r} ({exc})") from None
    if parts.scheme.lower() not in ALLOWED_SCHEMES or not parts.hostname:
        raise InputError(f"not an http(s) URL: {text[:200]!r}")
    try:
        canonical = canonicalize_url(normalize_url(text), keep_fragments=False)
    except ValueError as exc:  # a host that IDNA cannot encode, say
        raise InputError(f"not a URL: {text[:200]!r} ({exc})") from None
    if not urlsplit(canonical).hostname:  # a host of control characters, which normalising drops
        raise InputError(f"not an http(s) URL: {text[:200]!r}")
    return canonical


def without_credentials(url: str) -> str:
    """``url`` without its ``user:password@``; any text that is no URL comes back as it was."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def article_key(url: str) -> str:
    """The identity key of the article at ``url`` (see the module docstring)."""
    parts = urlsplit(canonical_url(url))
    labels = (parts.hostname or "").split(".")
    if len(labels) > 2 and _WWW_LABEL.fullmatch(labels[0]):
        labels = labels[1:]
    host = ".".join(labels)
    if parts.port is not None and parts.port != _DEFAULT_PORTS[parts.scheme]:
        host = f"{host}:{parts.port}"
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{parts.path.rstrip('/')}{query}"


def surt_key(url: str) -> str:
    """The SURT key of ``url`` exactly as cdxj-indexer and pywb make it (``org,example)/a``).

    Made by the ``surt`` package with its defaults, as both tools call it, so
    that the key of a capture here is the key of the same capture in an
    exported CDXJ index.  Imported here, not with the module: ``surt`` brings
    tldextract (with requests), which a crawl's start would otherwise pay for.
    """
    import surt

    key: str = surt.surt(url)
    return key


def article_key_or_none(url: str) -> str | None:
    """:func:`article_key`, or None for a URL that has none (a fetch is recorded all the same)."""
    try:
        return article_key(url)
    except InputError:
        return None


def is_http(url: str) -> bool:
    """Only http and https are fetched; mailto:, javascript:, ftp: are ignored."""
    try:
        return urlsplit(url).scheme.lower() in ALLOWED_SCHEMES
    except ValueError:
        return False
