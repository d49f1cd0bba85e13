"""Which links belong to an outlet, and which URL a fetched page is archived under.

The identity rule itself (canonical URL, article key) is the ground floor's
:mod:`newsarchive.identity`, shared with the archive that files and finds
articles by it; this module adds what only the crawl knows: the outlet's
own domains and the page's ``<link rel=canonical>``.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from newsarchive.errors import InputError
from newsarchive.identity import canonical_url, is_http


def on_site(url: str, allowed_domains: Iterable[str]) -> bool:
    """Whether ``url``'s host is one of the outlet's domains or a subdomain (any port)."""
    if not is_http(url):
        return False
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:  # a malformed IPv6 host, say: no site's link
        return False
    return any(host == d or host.endswith(f".{d}") for d in map(str.lower, allowed_domains))


def choose_canonical(fetched_url: str, declared: str | None, allowed_domains: Iterable[str]) -> str:
    """The page's own ``<link rel=canonical>`` wins when it stays on the outlet's site.

    An off-site canonical (a syndication partner, a hijacked tag) is ignored so
    an outlet cannot file its articles under another site's address.
    """
    if declared:
        try:
            candidate = canonical_url(declared)
        except InputError:
            candidate = ""  # a broken canonical tag is no claim at all
        if candidate and on_site(candidate, allowed_domains):
            return candidate
    return canonical_url(fetched_url)
