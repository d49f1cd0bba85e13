"""Near-duplicate texts by MinHash and LSH bands kept in the catalog.

A text is reduced to the set of its word 4-shingles (lowercased words, so
punctuation and spacing edits do not count) and summarised by a 128-value
MinHash (datasketch).  The signature is cut into ``BANDS = 16`` bands of
``ROWS = 8`` values; each band is hashed to one 64-bit integer and stored as
a row (band, hash) in ``lsh_bands`` under an index on exactly those columns.
Finding candidates for a new text is then 16 equality lookups on that
index, the same on SQLite and PostgreSQL, however large the archive.

Two texts of Jaccard similarity ``s`` share at least one band with
probability ``P(s) = 1 - (1 - s**8)**16``:

    s     0.3      0.5     0.7    0.8    0.9     0.95
    P   0.0010   0.061   0.61   0.95   0.9999  1.0000

so texts at the 0.9 threshold are practically always found while unrelated
news (s well below 0.3) almost never costs a candidate.  Each candidate is
then checked against its stored signature, whose estimated Jaccard must
reach ``THRESHOLD`` (standard error about 0.03 at 0.9 with 128 values).
"""

from __future__ import annotations

import hashlib
import re
import sys
from functools import cache
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from datasketch import MinHash

NUM_PERM = 128
BANDS = 16
ROWS = 8
SHINGLE_WORDS = 4
THRESHOLD = 0.9
_SCHEME = "affine32"
_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str) -> set[bytes]:
    """Overlapping runs of ``SHINGLE_WORDS`` words; a shorter text is one shingle."""
    words = _WORD.findall(text.lower())
    if len(words) <= SHINGLE_WORDS:
        return {" ".join(words).encode("utf-8")}
    return {
        " ".join(words[i : i + SHINGLE_WORDS]).encode("utf-8")
        for i in range(len(words) - SHINGLE_WORDS + 1)
    }


@cache
def _minhash_factory() -> tuple[type[MinHash], Any]:
    """datasketch's MinHash and the permutations every signature here shares.

    Imported on first use, only by what files or compares texts.  The
    permutations (derived from datasketch's fixed seed) are computed once
    instead of for every signature built or unpacked.
    """
    minhash_class = _import_minhash()
    return minhash_class, minhash_class(num_perm=NUM_PERM, scheme=_SCHEME).permutations


_INTEGRATE = "scipy.integrate"


def _import_minhash() -> type[MinHash]:
    """datasketch's ``MinHash``, without the scipy integrator its package loads at import.

    datasketch's ``__init__`` imports every sketch it offers, and two of them
    (the LSH indexes, which newsarchive does not use: its bands live in the
    catalog) import ``scipy.integrate.quad`` at module level to tune their
    parameters.  That one import is 43 MB of a process's memory (87 against
    44 MB for ``import datasketch``) and 0.45 s of its start.  While the
    package loads, ``scipy.integrate`` is a stand-in whose ``quad`` imports
    the real module when called, so those indexes still work: the first one
    built loads the integrator.  Where it is loaded already, datasketch is
    imported as it is.
    """
    stand_in = ModuleType(_INTEGRATE)
    stand_in.quad = _quad_on_first_use  # type: ignore[attr-defined]
    sys.modules.setdefault(_INTEGRATE, stand_in)  # a real one, loaded already, stays
    try:
        from datasketch import MinHash
    finally:
        if sys.modules.get(_INTEGRATE) is stand_in:
            del sys.modules[_INTEGRATE]
    return MinHash


def _quad_on_first_use(*args: Any, **kwargs: Any) -> Any:
    return import_module(_INTEGRATE).quad(*args, **kwargs)


def load_signatures() -> None:
    """Load datasketch and the shared permutations now, not at the first signature.

    A process about to fork workers that will sign texts calls this, so that
    they share one copy.
    """
    _minhash_factory()


def _minhash(**values: Any) -> MinHash:
    minhash_class, permutations = _minhash_factory()
    return minhash_class(num_perm=NUM_PERM, scheme=_SCHEME, permutations=permutations, **values)


def signature(text: str) -> MinHash:
    """The text's MinHash, equal value for value to datasketch's with its default hash.

    That default hashes each shingle through a Python call (the first four
    bytes of its SHA-1, little-endian), about 2.8 microseconds a shingle, a
    few milliseconds an article.  Here the digests are made in one pass and
    handed over as integers, and datasketch applies its permutations to all of
    them at once: about a third of the time, and the signatures the catalog
    already holds stay comparable.
    """
    digests = b"".join([hashlib.sha1(s).digest()[:4] for s in shingles(text)])  # noqa: S324
    minhash = _minhash(hashfunc=int)
    minhash.update_batch(np.frombuffer(digests, dtype="<u4").tolist())
    return minhash


def pack(minhash: MinHash) -> bytes:
    """The signature as catalog bytes (little-endian uint32 values)."""
    return np.asarray(minhash.hashvalues, dtype="<u4").tobytes()


def unpack(data: bytes) -> MinHash:
    values = np.frombuffer(data, dtype="<u4").astype(np.uint64)
    return _minhash(hashvalues=values)


def bands(minhash: MinHash) -> list[tuple[int, int]]:
    """(band index, signed 64-bit band hash) pairs, as stored in ``lsh_bands``."""
    values = np.asarray(minhash.hashvalues, dtype="<u4")
    result = []
    for band in range(BANDS):
        chunk = values[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(chunk, digest_size=8).digest()
        result.append((band, int.from_bytes(digest, "big", signed=True)))
    return result


def similarity(a: MinHash, b: MinHash) -> float:
    """Estimated Jaccard similarity of the two shingle sets."""
    return float(a.jaccard(b))
