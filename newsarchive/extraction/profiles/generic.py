"""Unknown pages: trafilatura's balanced defaults, captions out, tables on.

Captions sit inside the article container on most sites and read like prose,
so trafilatura keeps them; removing ``<figcaption>`` is safe everywhere.
Tables are on: a standings or results table in an article is its content.
The layout grid of an old CMS (navigation cell, story cell, sidebar cell) is
told apart and flattened first (:mod:`newsarchive.extraction.tables`), so its
story is not read as one table row with the menu in front of it.
"""

from newsarchive.extraction.profile import ExtractorOptions, Profile, xpaths

GENERIC = Profile(
    name="generic",
    description="any news page: trafilatura defaults, figure captions removed, data tables kept",
    options=ExtractorOptions(include_tables=True),
    prune=xpaths("//figcaption"),
)
