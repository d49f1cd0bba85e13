"""Bytes as fetched -> text, and the refusal of what is no HTML page at all.

The order follows what browsers do (the WHATWG encoding sniffing algorithm, as
implemented by w3lib): a byte-order mark, then the charset of the HTTP
``Content-Type`` header, then ``<meta charset>``/``http-equiv``, then
detection.  A BOM outranks the header because a server that sends a UTF-8 BOM
with a stale ``charset=iso-8859-1`` header is the common misconfiguration, not
the other way round.  w3lib also maps labels to their supersets the way
browsers do (``euc-kr`` -> ``cp949``, ``iso-8859-1`` -> ``cp1252``): Korean
pages labelled EUC-KR routinely contain CP949-only syllables.

One step goes beyond browsers: a declared charset the bytes do not decode in
(a CMS template saying UTF-8 over an EUC-KR article) would leave an archive
of replacement characters, so detection gets a second say, and wins when it
reads the bytes with fewer of them.
"""

from __future__ import annotations

import re

from charset_normalizer import from_bytes
from w3lib.encoding import html_to_unicode, resolve_encoding

from newsarchive.errors import InputError

# Leading bytes of formats that are routinely served where a page was expected.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"%!PS", "PostScript"),
    (b"\x00\x00\x01\x00", "icon"),
    (b"OggS", "Ogg media"),
    (b"ID3", "MP3 audio"),
)
_RIFF_KINDS = {b"WEBP": "WebP image", b"WAVE": "WAV audio", b"AVI ": "AVI video"}

# Any of these tags means someone meant the document as HTML (fragments count).
_HTML_MARKER = re.compile(
    r"<\s*(?:!doctype\s+html|html|head|body|title|meta|p|div|article|main|section|h[1-6]|br|span|a\s)",
    re.IGNORECASE,
)
# XML documents a crawler meets beside pages: handing one to extraction is a mix-up.
_XML_ROOTS = {
    "rss": "RSS feed",
    "feed": "Atom feed",
    "urlset": "sitemap",
    "sitemapindex": "sitemap",
}
_XML_ROOT = re.compile(r"<(rss|feed|urlset|sitemapindex)[\s>]")
_SNIFF_BYTES = 4096
# Control characters and replacement characters in *decoded* text: UTF-16 pages
# are full of NUL bytes yet decode cleanly, binary noise does not.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\ufffd]")
_DETECT_BYTES = 65536
_GARBLED_AT_LEAST = 4  # replacement characters before the declared charset is doubted
_GARBLED_SHARE = 10  # ... and when more than one non-ASCII character in this many is one


def _detect(body: bytes) -> str | None:
    """Detection fallback: strict UTF-8 first (cheap and never wrong), then statistics."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    best = from_bytes(body[:_DETECT_BYTES]).best()
    return resolve_encoding(best.encoding) if best is not None else None


def _garbled(text: str) -> bool:
    """Whether many of the non-ASCII characters are replacements: the wrong charset, not a typo.

    A few stray bytes in a page are damage the declared charset should keep
    showing; a single-byte reading of them would turn every other non-ASCII
    character into mojibake instead.
    """
    replaced = text.count("\ufffd")
    if replaced < _GARBLED_AT_LEAST:
        return False
    non_ascii = sum(1 for char in text if ord(char) > 0x7F)
    return replaced * _GARBLED_SHARE > non_ascii


def _redetected(body: bytes, declared: str, text: str) -> tuple[str, str]:
    """The detected encoding's reading of ``body`` where it has fewer replacement characters."""
    detected = _detect(body)
    if detected is None or detected == declared:
        return declared, text
    try:
        redone = body.decode(detected, errors="replace")
    except LookupError:
        return declared, text
    if redone[:_DETECT_BYTES].count("\ufffd") < text[:_DETECT_BYTES].count("\ufffd"):
        return detected, redone
    return declared, text


def sniff_format(body: bytes) -> str | None:
    """Name of the non-HTML format ``body`` starts with, or None if it may be text."""
    for magic, kind in _MAGIC:
        if body.startswith(magic):
            return kind
    if body.startswith(b"RIFF") and body[8:12] in _RIFF_KINDS:
        return _RIFF_KINDS[body[8:12]]
    return None


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode a fetched page; returns ``(text, encoding used)``.

    Raises InputError for bytes that are not an HTML document (empty, a known
    binary format, binary noise, or plain text without any markup).
    """
    if not body.strip():
        raise InputError("empty document: nothing to extract")
    kind = sniff_format(body)
    if kind is not None:
        raise InputError(f"not an HTML document (looks like {kind})")
    encoding, text = html_to_unicode(content_type, body, auto_detect_fun=_detect)
    if _garbled(text[:_DETECT_BYTES]):
        encoding, text = _redetected(body, encoding, text)
    head = text[:_SNIFF_BYTES]
    if len(_CONTROL.findall(head)) > max(8, len(head) // 50):
        raise InputError("not an HTML document (looks like binary data)")
    xml_root = _XML_ROOT.search(head)
    if xml_root and "<html" not in head.lower():
        raise InputError(f"not an HTML document (looks like {_XML_ROOTS[xml_root.group(1)]})")
    if not _HTML_MARKER.search(text[: _SNIFF_BYTES * 16]):
        raise InputError("not an HTML document (plain text without markup)")
    return text, encoding
