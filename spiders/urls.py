"""One article, one URL: canonicalisation and the "same site" rule.

The archive identifies an article by its canonical URL, so two links that
differ only by tracking parameters, fragment, default port or query order
must collapse to the same string before anything is fetched.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from courlan import normalize_url
from w3lib.url import canonicalize_url

ALLOWED_SCHEMES = frozenset({"http", "https"})


def canonical_url(url: str) -> str:
    """Tracking parameters (utm_*, fbclid, gclid, mc_cid, ...) and fragment removed.

    courlan knows the tracking parameters; w3lib sorts the query and drops the
    fragment so equal URLs compare equal as strings.
    """
    return canonicalize_url(normalize_url(url.strip()), keep_fragments=False)


def is_http(url: str) -> bool:
    """Only http and https are fetched; mailto:, javascript:, ftp: are ignored."""
    return urlsplit(url).scheme.lower() in ALLOWED_SCHEMES


def on_site(url: str, allowed_domains: Iterable[str]) -> bool:
    """Whether ``url``'s host is one of the outlet's domains or a subdomain (any port)."""
    if not is_http(url):
        return False
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith(f".{d}") for d in map(str.lower, allowed_domains))


def choose_canonical(fetched_url: str, declared: str | None, allowed_domains: Iterable[str]) -> str:
    """The page's own ``<link rel=canonical>`` wins when it stays on the outlet's site.

    An off-site canonical (a syndication partner, a hijacked tag) is ignored so
    an outlet cannot file its articles under another site's address.
    """
    if declared:
        candidate = canonical_url(declared)
        if on_site(candidate, allowed_domains):
            return candidate
    return canonical_url(fetched_url)
