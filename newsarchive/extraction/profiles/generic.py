"""Unknown pages: trafilatura's balanced defaults, tables on.

Figure captions are left to trafilatura: on pages nobody tuned for they are
more often part of the story than not (pruning them cost 7 correct snippets
on the snippet set against 3 boilerplate ones); outlets whose captions repeat
the image's alt text prune them in their own profile.

Tables are on: a standings or results table in an article is its content.
The layout grid of an old CMS (navigation cell, story cell, sidebar cell) is
told apart and flattened first (:mod:`newsarchive.extraction.tables`), so its
story is not read as one table row with the menu in front of it.
"""

from newsarchive.extraction.leads import standfirst
from newsarchive.extraction.profile import ExtractorOptions, Profile

GENERIC = Profile(
    name="generic",
    description="any news page: trafilatura defaults, data tables kept",
    options=ExtractorOptions(include_tables=True),
    lead=standfirst,
)
