"""The headers that keep archived pages from acting, and the viewer's own pages tight.

An archived page is whatever a news site (or whoever controlled it) sent:
scripts that rewrite the parent page, trackers that call home, forms.
Every response that carries archived bytes gets a ``sandbox`` policy with
no ``allow-*`` tokens, so it runs in an opaque origin with scripts, forms,
popups and top navigation disabled, and may load nothing at all, so no
live site learns that someone looked at a capture.  The viewer's own pages
run no script, load only from the viewer, and refuse to be framed.

The viewer answers only to the names it is known by (:func:`host_names`):
it builds absolute URLs (Memento's ``Location`` and ``Link``) from the
request's ``Host``, and a page on another site that re-points its own name
at 127.0.0.1 (DNS rebinding) would otherwise read a loopback viewer as
same-origin.  A request naming any other host gets 400.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv6Address, ip_address

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
"""The names of this machine that a browser on it uses, in ``Host`` header form."""


def host_names(listening: str, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The ``Host`` names the viewer answers to when it listens on ``listening``.

    The loopback names, the listening address itself (an IPv6 one bracketed, as
    it stands in a ``Host`` header) and ``extra``, the names of a deployment
    behind a proxy.
    """
    try:
        address = ip_address(listening)
    except ValueError:
        own = listening.lower()
    else:
        own = f"[{address}]" if isinstance(address, IPv6Address) else str(address)
    return tuple(dict.fromkeys((*LOOPBACK_HOSTS, own, *extra)))


CAPTURE_HEADERS = {
    "Content-Security-Policy": (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "font-src data:; frame-ancestors 'self'"
    ),
    "X-Frame-Options": "SAMEORIGIN",  # frame-ancestors, for browsers without CSP 2
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, max-age=0",
}
"""Headers of every response whose body is archived bytes."""

PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
"""Headers of the viewer's own pages (no script of any kind)."""
