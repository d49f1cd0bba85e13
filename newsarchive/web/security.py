"""The headers that keep archived pages from acting, and the viewer's own pages tight.

An archived page is whatever a news site (or whoever controlled it) sent:
scripts that rewrite the parent page, trackers that call home, forms.
Every response that carries archived bytes gets a ``sandbox`` policy with
no ``allow-*`` tokens, so it runs in an opaque origin with scripts, forms,
popups and top navigation disabled, and may load nothing at all, so no
live site learns that someone looked at a capture.  The viewer's own pages
run no script, load only from the viewer, and refuse to be framed.
"""

from __future__ import annotations

CAPTURE_HEADERS = {
    "Content-Security-Policy": (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "font-src data:; frame-ancestors 'self'"
    ),
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
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
"""Headers of the viewer's own pages (no script of any kind)."""
