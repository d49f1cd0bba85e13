"""Operator-written patterns, matched in time linear in the text they are matched against.

An outlet's ``article_pattern`` and ``pagination_pattern`` are typed by
operators and run against every link a page holds.  Python's ``re``
backtracks: ``(a+)+$`` against a long link never ends, and a crawl that
never ends pins a core and holds its site's lease.  RE2 (``google-re2``)
builds an automaton instead, so no pattern it accepts can take more than
linear time; what it cannot take in that time (backreferences,
lookarounds) it refuses when the pattern is compiled, which is when the
outlets file is read.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would log every refusal to stderr; the ValueError says it


@lru_cache(maxsize=4096)
def linear_pattern(pattern: str) -> Any:
    """The compiled RE2 pattern; ValueError with RE2's reason when it cannot take it."""
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else ""
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise ValueError(
            f"bad regex: {reason} (RE2 syntax, matched in linear time:"
            " no backreferences, no lookarounds)"
        ) from None


def linear_search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` (already accepted by :func:`linear_pattern`) occurs in ``text``."""
    return linear_pattern(pattern).search(text) is not None
