"""Data tables stay tables; layout tables become plain blocks before trafilatura sees them.

With tables on, trafilatura renders a ``<table>`` as rows of ``| cell | cell |``:
right for a standings, results or data table inside an article, wrong for the
layout grid of an old CMS (navigation cell, story cell, sidebar cell), whose
story would come out as one table row with the menu in front of it.  A table
is taken for layout when its cells hold what data cells never do: headings,
lists, forms, nested tables or long prose, or when it has a single row or a
single column.  Such a table is retagged as ``div`` blocks, so its cells are
read as the page sections they are.
"""

from __future__ import annotations

from lxml.html import HtmlElement

from newsarchive.extraction.page import Page

_SECTIONS = ("table", "h1", "h2", "ul", "ol", "form", "article", "nav")
_PARTS = ("thead", "tbody", "tfoot", "tr", "td", "th", "caption")  # a table's own structure
MAX_CELL_CHARS = 250  # a data cell holds a value or a short phrase, not a story


def _rows(table: HtmlElement) -> list[HtmlElement]:
    """The table's own rows, not those of tables nested in its cells."""
    return [row for row in table.iter("tr") if _owner(row) is table]


def _owner(element: HtmlElement) -> HtmlElement | None:
    return next(element.iterancestors("table"), None)


def is_layout_table(table: HtmlElement) -> bool:
    """True when the table arranges page sections rather than holding data."""
    if table.get("role") in ("presentation", "none"):
        return True
    rows = _rows(table)
    cells = [row.findall("td") + row.findall("th") for row in rows]
    if len(rows) < 2 or max(map(len, cells), default=0) < 2:
        return True
    for cell in (cell for row in cells for cell in row):
        if next(cell.iterdescendants(*_SECTIONS), None) is not None:
            return True
        if len(cell.text_content()) > MAX_CELL_CHARS:
            return True
    return False


def flatten_layout_tables(page: Page) -> None:
    """Retag every layout table's own structure as ``div`` (in place); data tables stay."""
    owned = [
        [table, *(e for e in table.iterdescendants(*_PARTS) if _owner(e) is table)]
        for table in page.landmarks.tables
        if is_layout_table(table)
    ]  # all decided before any is retagged: a retagged table no longer owns its cells
    for element in (element for elements in owned for element in elements):
        element.tag = "div"
