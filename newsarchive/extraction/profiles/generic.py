"""Unknown pages: trafilatura's balanced defaults, captions out, tables off.

Captions sit inside the article container on most sites and read like prose,
so trafilatura keeps them; removing ``<figcaption>`` is safe everywhere.
Tables are off because on an unknown page a table is far more often the
layout grid of an old CMS (navigation cell, story cell, sidebar cell) than a
data table, and reading a layout table as a table flattens the whole story
into one line with the menu in front of it.
"""

from newsarchive.extraction.profile import ExtractorOptions, Profile, xpaths

GENERIC = Profile(
    name="generic",
    description="any news page: trafilatura defaults, figure captions removed, no tables",
    options=ExtractorOptions(include_tables=False),
    prune=xpaths("//figcaption"),
)
