"""Reading feed and sitemap XML safely: no entities, no network, tolerant of junk.

Feeds and sitemaps come from servers we do not control; an XML bomb or an
external entity must not make the crawler expand or fetch anything.

Two defects of real documents are mended before a second reading, because
libxml2's recovery makes them worse than they are: one stray ``&`` or HTML
entity (``News & Politics``, ``&nbsp;``) sends it into a mode that drops
every later ``&amp;`` too, so ``?id=7&amp;cat=2`` comes out as ``?id=7cat=2``;
and a document cut off mid-entry is closed for us, so a half-written
``<loc>`` reads as a URL.  Feedparser likewise reads a feed that is not
well-formed with a loose parser that takes a stray ``&`` as text and HTML
entities as characters, and a streaming reader (ultimate-sitemap-parser)
keeps only the entries it saw end.
"""

from __future__ import annotations

import re
from html.entities import name2codepoint

from lxml import etree

ENTRY_TAGS = ("url", "sitemap", "item", "entry")
"""The local names of the elements that each list one URL: sitemaps', RSS's and Atom's."""

_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_AMPERSAND = re.compile(
    rb"<!\[CDATA\[.*?\]\]>|&(?:#[0-9]+;|#[xX][0-9a-fA-F]+;|([A-Za-z_][\w.-]*);)?", re.S
)
_DECLARED = re.compile(rb"<!ENTITY\s+%?\s*([A-Za-z_][\w.-]*)")
_NAME = rb"(?:[A-Za-z_][\w.-]*:)?"
_ENTRY = rb"(?:" + b"|".join(tag.encode() for tag in ENTRY_TAGS) + rb")"
_ENTRY_END = re.compile(rb"</" + _NAME + _ENTRY + rb"\s*>")
_ENTRY_START = re.compile(rb"<" + _NAME + _ENTRY + rb"[\s/>]")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, recover=True, remove_comments=True, huge_tree=False
    )


def _read(body: bytes) -> tuple[etree._Element | None, bool]:
    """The root element (None when the bytes are not XML), and whether it read cleanly."""
    parser = _parser()
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError:
        return None, False
    return root, not parser.error_log


def parse_xml(body: bytes) -> etree._Element | None:
    """The document's root element, or None when the bytes are not XML.

    A document that does not read cleanly is mended (stray ampersands and
    HTML entities escaped, a cut-off tail dropped after its last complete
    entry) and read again.
    """
    root, clean = _read(body)
    if root is None or clean:
        return root
    mended, _ = _read(_cut_off_tail(_escaped(body), local_name(root.tag)))
    return mended if mended is not None else root


def _escaped(body: bytes) -> bytes:
    """``&`` that starts no entity escaped, HTML entities as character references."""
    declared = {name.decode() for name in _DECLARED.findall(body)}

    def mend(match: re.Match[bytes]) -> bytes:
        whole = match.group(0)
        if whole.startswith(b"<") or whole.startswith(b"&#"):
            return whole
        name = match.group(1)
        if name is None:
            return b"&amp;"
        text = name.decode()
        if text in _XML_ENTITIES or text in declared:
            return whole
        if text in name2codepoint:
            return f"&#{name2codepoint[text]};".encode()
        return b"&amp;" + name + b";"

    return _AMPERSAND.sub(mend, body)


def _cut_off_tail(body: bytes, root: str) -> bytes:
    """A document that stops before its root's end tag, up to its last complete entry."""
    tail = body.rstrip()
    while tail.endswith(b"-->") and b"<!--" in tail:
        tail = tail[: tail.rindex(b"<!--")].rstrip()
    if re.search(rb"</" + _NAME + re.escape(root.encode()) + rb"\s*>$", tail):
        return body
    ends = [match.end() for match in _ENTRY_END.finditer(body)]
    if ends:
        return body[: ends[-1]]
    first = _ENTRY_START.search(body)
    return body[: first.start()] if first is not None else body


def local_name(tag: object) -> str:
    """An element's name without its namespace."""
    return str(tag).rsplit("}", 1)[-1]


def text_of(element: etree._Element | None) -> str | None:
    """Stripped text of an element; None when absent or blank."""
    if element is None or element.text is None:
        return None
    return element.text.strip() or None
