"""Reading feed and sitemap XML safely: no entities, no network, tolerant of junk.

Feeds and sitemaps come from servers we do not control; an XML bomb or an
external entity must not make the crawler expand or fetch anything.
"""

from __future__ import annotations

from lxml import etree

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, recover=True, remove_comments=True, huge_tree=False
)


def parse_xml(body: bytes) -> etree._Element | None:
    """The document's root element, or None when the bytes are not XML."""
    try:
        return etree.fromstring(body, parser=_PARSER)
    except etree.XMLSyntaxError:
        return None


def text_of(element: etree._Element | None) -> str | None:
    """Stripped text of an element; None when absent or blank."""
    if element is None or element.text is None:
        return None
    return element.text.strip() or None
