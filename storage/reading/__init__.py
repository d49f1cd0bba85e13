"""Reading the archive back, every object checked against the digest the catalog holds.

Listings, snapshots at a moment and version histories (:mod:`.snapshots`),
captures and the Memento rule that picks one for a moment (:mod:`.captures`,
:mod:`.memento`), full-text search (:mod:`.fulltext`, :mod:`.searchquery`),
the archive at a glance (:mod:`.overview`), page requisites
(:mod:`.requisites`) and the fixity audit (:mod:`.integrity`).
"""
