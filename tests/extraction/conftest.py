"""Fixture pages and the measures the extraction tests share.

Every ``<case>.html`` has a ``<case>.expected.json`` beside it, in two places:
the seed outlets' pages that the replay site serves (package data under
``newsarchive/replay/fixtures``) and the cases that belong to no outlet
(``tests/fixtures/pages``).  Tests asking for ``page_case`` run once per pair.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from newsarchive.replay.pages import default_pages_dir

PAGE_ROOTS = (default_pages_dir(), Path(__file__).resolve().parent.parent / "fixtures" / "pages")
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class PageCase:
    """One fixture page, its expected reading, and the HTTP headers to pretend it came with."""

    name: str
    html: Path
    expected: dict[str, Any]

    @property
    def body(self) -> bytes:
        return self.html.read_bytes()

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        content_type = self.expected.get("http_content_type")
        return (("Content-Type", content_type),) if content_type else ()


def page_cases() -> list[PageCase]:
    cases = []
    for root in PAGE_ROOTS:
        for expected in sorted(root.glob("**/*.expected.json")):
            html = expected.with_name(expected.name.replace(".expected.json", ".html"))
            name = str(html.relative_to(root).with_suffix(""))
            cases.append(PageCase(name, html, json.loads(expected.read_text(encoding="utf-8"))))
    return cases


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "page_case" in metafunc.fixturenames:
        cases = page_cases()
        metafunc.parametrize("page_case", cases, ids=[case.name for case in cases])


def _token_f1(got: str, expected: str) -> float:
    """Harmonic mean of token precision and recall (bag of lower-cased words)."""
    got_tokens = Counter(token.lower() for token in _TOKEN.findall(got))
    want_tokens = Counter(token.lower() for token in _TOKEN.findall(expected))
    common = sum((got_tokens & want_tokens).values())
    if not common:
        return 0.0
    precision = common / sum(got_tokens.values())
    recall = common / sum(want_tokens.values())
    return 2 * precision * recall / (precision + recall)


@pytest.fixture
def token_f1() -> Callable[[str, str], float]:
    return _token_f1


@pytest.fixture
def all_page_cases() -> list[PageCase]:
    return page_cases()
