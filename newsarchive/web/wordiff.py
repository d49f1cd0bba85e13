"""Word-level differences between two texts, as an archivist reads a correction.

Line diffs mark a whole paragraph changed for one corrected word; here the
texts are split into words and the whitespace between them, and difflib
aligns those, so only the words that changed are marked.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text that is in both texts, or only in the older, or only in the newer."""

    kind: Literal["same", "removed", "added"]
    text: str


def word_diff(before: str, after: str) -> list[Segment]:
    """``before`` turned into ``after``, as runs of unchanged, removed and added words."""
    old, new = _TOKENS.findall(before), _TOKENS.findall(after)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(Segment("same", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("removed", "".join(old[i1:i2])))
        if j2 > j1:
            segments.append(Segment("added", "".join(new[j1:j2])))
    return segments


def changed_words(segments: list[Segment]) -> tuple[int, int]:
    """(words removed, words added): the size of a change at a glance."""
    removed = sum(len(s.text.split()) for s in segments if s.kind == "removed")
    added = sum(len(s.text.split()) for s in segments if s.kind == "added")
    return removed, added
