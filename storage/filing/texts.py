"""A text's identity before it is filed: its digest, size and MinHash signature.

Signing is CPU work (hashing and the MinHash's shingles), done where the
page was extracted, in a crawl's worker processes; filing then only needs
the result to find the text in the catalog or add it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from newsarchive.storage.filing import neardup
from newsarchive.storage.objects import sha256_hex

if TYPE_CHECKING:
    from datasketch import MinHash


@dataclass(frozen=True, slots=True)
class PreparedText:
    """A text's digest and signature, ready for its catalog rows.

    Its object is not written yet: filing writes it with the text's new row,
    only when the text is new to the archive (in a group commit, held with
    the batch's other objects until just before it commits), so a text
    already archived is never written again.
    """

    sha256: str
    size: int
    minhash: MinHash


def sign_text(text: str) -> PreparedText:
    """The text's digest, size and MinHash."""
    data = text.encode("utf-8")
    return PreparedText(sha256_hex(data), len(data), neardup.signature(text))
