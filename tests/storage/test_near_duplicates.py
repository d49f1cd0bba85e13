"""The near-duplicate threshold on real text with a measured amount of editing."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import lru_cache

import pytest
from storage_builders import T0, archive_one, edit_words, hours, seed_text

from newsarchive.storage import Archive
from newsarchive.storage.filing import neardup

ORIGINAL = seed_text("003") + "\n\n" + seed_text("004")


def exact_jaccard(a: str, b: str) -> float:
    sa, sb = neardup.shingles(a), neardup.shingles(b)
    return len(sa & sb) / len(sa | sb)


@lru_cache
def edited_to(similarity: float) -> tuple[str, float]:
    """The original with evenly spaced words replaced, as close to ``similarity`` as it gets."""
    variants = [edit_words(ORIGINAL, every) for every in range(2, 400)]
    scored = [(abs(exact_jaccard(ORIGINAL, v) - similarity), v) for v in variants]
    best = min(scored)[1]
    return best, exact_jaccard(ORIGINAL, best)


@pytest.mark.parametrize(("target", "expected"), [(0.95, True), (0.8, False), (0.5, False)])
def test_signature_similarity_against_the_threshold(target: float, expected: bool) -> None:
    variant, exact = edited_to(target)
    assert abs(exact - target) < 0.02
    estimate = neardup.similarity(neardup.signature(ORIGINAL), neardup.signature(variant))
    assert abs(estimate - exact) < 0.1
    assert (estimate >= neardup.THRESHOLD) is expected


@pytest.mark.parametrize(
    "text", [ORIGINAL, seed_text("001"), "", "Kim", "four words, no more", "Ünïcode wörds ÀND case"]
)
def test_signature_is_datasketchs_own(text: str) -> None:
    """The fast signature equals datasketch's plain one: the catalog's signatures stay valid."""
    from datasketch import MinHash

    reference = MinHash(num_perm=neardup.NUM_PERM, scheme="affine32")
    reference.update_batch(list(neardup.shingles(text)))
    assert neardup.signature(text).hashvalues.tolist() == reference.hashvalues.tolist()


def test_signing_leaves_scipys_integrator_unloaded_and_datasketchs_indexes_working() -> None:
    """In a fresh interpreter, as in a crawl's process: the integrator unloaded, nothing broken.

    datasketch's LSH index computes its bands with scipy's integrator: built
    after signing, it must get the real one, and the bands and rows that
    datasketch chooses on its own for threshold 0.9 and 128 permutations.
    """
    probe = """if True:
        import json, sys
        from newsarchive.storage.filing import neardup
        text = "a text of more than four words"
        signed = neardup.signature(text).hashvalues.tolist()
        loaded_for_signing = "scipy.integrate" in sys.modules
        from datasketch import MinHash, MinHashLSH
        index = MinHashLSH(threshold=0.9, num_perm=128)
        reference = MinHash(num_perm=128, scheme="affine32")
        reference.update_batch(list(neardup.shingles(text)))
        print(json.dumps({
            "loaded_for_signing": loaded_for_signing,
            "bands_rows": [index.b, index.r],
            "real_integrator": hasattr(sys.modules["scipy.integrate"], "dblquad"),
            "same_signature": signed == reference.hashvalues.tolist(),
        }))
    """
    seen = json.loads(_python(probe))
    assert seen["loaded_for_signing"] is False
    assert seen["real_integrator"] is True
    assert seen["bands_rows"] == list(_datasketch_bands_rows_at_0_9())
    assert seen["same_signature"] is True


def _datasketch_bands_rows_at_0_9() -> tuple[int, int]:
    """What datasketch chooses when it loads scipy itself, computed in a process of its own."""
    probe = "from datasketch import MinHashLSH; i = MinHashLSH(threshold=0.9, num_perm=128)"
    bands, rows = _python(probe + "; print(i.b, i.r)").split()
    return int(bands), int(rows)


def _python(program: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    ).stdout


def test_signatures_survive_the_catalog_round_trip() -> None:
    signature = neardup.signature(ORIGINAL)
    restored = neardup.unpack(neardup.pack(signature))
    assert neardup.similarity(signature, restored) == 1.0
    assert neardup.bands(restored) == neardup.bands(signature)
    assert len(neardup.bands(signature)) == neardup.BANDS
    assert neardup.BANDS * neardup.ROWS == neardup.NUM_PERM


def test_archive_files_95_percent_similar_as_duplicate_and_50_percent_as_new(
    archive: Archive,
) -> None:
    near, _ = edited_to(0.95)
    far, _ = edited_to(0.5)
    original_url = "https://kcnawatch.org/newstream/1616482916-3/"
    assert archive_one(archive, original_url, ORIGINAL, outlet="kcna") == "new"
    near_url = "https://rodong.rep.kp/en/index.php?MTJAMjAyMS0wMy0yMy1IMDAx"
    far_url = "https://vok.rep.kp/index.php/details/greets-2021"
    assert archive_one(archive, near_url, near, T0 + hours(1), outlet="rodong") == "duplicate"
    assert archive_one(archive, far_url, far, T0 + hours(2), outlet="vok") == "new"
    listed = {a.url: a.duplicate_of for a in archive.list_articles()}
    assert listed == {original_url: None, near_url: original_url, far_url: None}
