"""Which version of an original a copy copied, for the copy's metadata record in an export.

The catalog files a copy under the article it copies, not under one of its
versions: an original may change after a copy of it was published, and a
copy may repeat an older text than the original's latest.  An archivist
reading a copy's capture wants the version it repeats, so the export picks
the original's version whose words are closest to the copy's (Jaccard of
their word sets; on a tie, the later version).
"""

from __future__ import annotations

import re

from newsarchive.storage.reader import ReadOnlyArchive

_WORD = re.compile(r"\w+")


class CopiedVersions:
    """The original's versions' words, read once per original for a whole export."""

    def __init__(self, archive: ReadOnlyArchive) -> None:
        self._archive = archive
        self._versions: dict[str, list[tuple[int, frozenset[str]]]] = {}

    def version_copied(self, original: str, copy_text: str) -> int:
        """The number of ``original``'s version that ``copy_text`` repeats most closely."""
        versions = self._versions.get(original)
        if versions is None:
            versions = [
                (v.version, _words(self._archive.snapshot(original, at=v.fetched_at).text))
                for v in self._archive.history(original)
            ]
            self._versions[original] = versions
        copied = _words(copy_text)
        return max(versions, key=lambda pair: (_jaccard(pair[1], copied), pair[0]))[0]


def _words(text: str) -> frozenset[str]:
    return frozenset(word.lower() for word in _WORD.findall(text))


def _jaccard(one: frozenset[str], other: frozenset[str]) -> float:
    union = one | other
    return len(one & other) / len(union) if union else 1.0
