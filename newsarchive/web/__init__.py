"""The read-only viewer: outlets, articles, versions and their diffs, provenance, captures.

Built on FastAPI over :mod:`newsarchive.storage`'s retrieval API only (no
Scrapy, no Prefect), it also answers Memento (RFC 7089) TimeMaps, TimeGates
and mementos, so Memento clients work against it, and pywb's CDX server API
(:mod:`.cdx`), so researchers' tools can list captures.  Captures are hostile
content: they are served with ``Content-Security-Policy: sandbox`` and shown
in sandboxed frames (see :mod:`newsarchive.web.security`).
"""

from newsarchive.web.app import create_app

__all__ = ["create_app"]
