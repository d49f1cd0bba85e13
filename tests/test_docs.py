"""The Markdown documentation: its relative links resolve, and the user docs read as docs.

Every relative link ``[text](path)`` or ``[text](path#anchor)`` in the README, ``docs/``,
``bench/README.md`` and ``deploy/README.md`` must name a file that exists and, with an
anchor, a heading of that file whose GitHub slug is the anchor.  The user documentation
(the README and ``docs/*.md``, the decision records aside) says what the software does
now: no issue references and no dated headings, which belong to decision records and to
the history.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_ISSUE = re.compile(r"\bissues? #?\d+|(?<![\w&#/(\[-])#\d+\b(?![-\w])", re.IGNORECASE)
_DATE = re.compile(r"\b(?:19|20)\d\d-[01]\d-[0-3]\d\b")


def documentation_files(root: Path = ROOT) -> list[Path]:
    """The Markdown files whose links are checked."""
    files = [root / "README.md", root / "bench" / "README.md", root / "deploy" / "README.md"]
    return [path for path in files if path.exists()] + sorted((root / "docs").rglob("*.md"))


def user_documents(root: Path = ROOT) -> list[Path]:
    """The README and the chapters in ``docs/``, without the decision records."""
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def prose_lines(text: str) -> list[tuple[int, str]]:
    """The lines outside fenced code blocks, numbered from 1."""
    lines: list[tuple[int, str]] = []
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        marker = _FENCE.match(line)
        if marker:
            if fence is None:
                fence = marker.group(1)
            elif marker.group(1) == fence:
                fence = None
            continue
        if fence is None:
            lines.append((number, line))
    return lines


def headings(text: str) -> list[tuple[int, str]]:
    """The ATX headings outside code blocks, as (line number, heading text)."""
    found = []
    for number, line in prose_lines(text):
        match = _HEADING.match(line)
        if match:
            found.append((number, match.group(2)))
    return found


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: its rendered text lowercased, punctuation dropped,
    each space a hyphen."""
    rendered = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link shows its text
    rendered = rendered.lower()
    kept = (
        char
        for char in rendered
        if char in " -_" or unicodedata.category(char)[0] in {"L", "N", "M"}
    )
    return "".join(kept).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every anchor a file's headings give, a repeated heading's with GitHub's ``-1``, ``-2``."""
    seen: dict[str, int] = {}
    found = set()
    for _, heading in headings(text):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


@dataclass(frozen=True)
class Link:
    line: int
    target: str


def relative_links(text: str) -> list[Link]:
    """Links to files of the repository or to headings, not to other sites."""
    links = []
    for number, line in prose_lines(text):
        for match in _LINK.finditer(_INLINE_CODE.sub("", line)):
            target = match.group(1)
            if target and not _SCHEME.match(target) and not target.startswith("//"):
                links.append(Link(number, target))
    return links


def broken_links(path: Path) -> list[str]:
    """One line for each relative link of ``path`` that leads nowhere."""
    problems = []
    for link in relative_links(path.read_text(encoding="utf-8")):
        file_part, _, anchor = link.target.partition("#")
        target = (path.parent / file_part).resolve() if file_part else path
        where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{link.line}"
        if not target.exists():
            problems.append(f"{where}: {link.target} names no file")
        elif (
            anchor
            and target.suffix == ".md"
            and anchor not in anchors(target.read_text(encoding="utf-8"))
        ):
            problems.append(f"{where}: {link.target} names no heading of {target.name}")
    return problems


def diary_marks(text: str) -> list[str]:
    """Issue references anywhere in the prose, and headings that carry a date."""
    marks = []
    for number, line in prose_lines(text):
        for match in _ISSUE.finditer(line):
            marks.append(f"{number}: issue reference {match.group(0)!r}")
    for number, heading in headings(text):
        if _DATE.search(heading):
            marks.append(f"{number}: dated heading {heading!r}")
    return marks


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", documentation_files(), ids=_name)
def test_relative_links_lead_to_files_and_headings(path: Path) -> None:
    assert broken_links(path) == []


@pytest.mark.parametrize("path", user_documents(), ids=_name)
def test_user_docs_carry_no_issue_numbers_or_dated_headings(path: Path) -> None:
    assert diary_marks(path.read_text(encoding="utf-8")) == []


def test_the_documentation_is_all_found() -> None:
    names = {_name(path) for path in documentation_files()}
    assert {"README.md", "bench/README.md", "deploy/README.md"} <= names
    assert {"docs/operators.md", "docs/decisions/README.md"} <= names


def test_slugs_are_githubs() -> None:
    assert slug('What "as fetched" means') == "what-as-fetched-means"
    assert slug("The viewer: `newsarchive web`") == "the-viewer-newsarchive-web"
    assert slug("`catalog_scale.py`: filing rate") == "catalog_scalepy-filing-rate"
    assert slug("PostgreSQL and S3/MinIO") == "postgresql-and-s3minio"
    assert anchors("# A\n## A\n```\n# not a heading\n```\n## B\n") == {"a", "a-1", "b"}


def test_a_broken_link_or_anchor_is_reported(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other\n\n## A section\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n"
        "[fine](other.md#a-section) [fine too](#page) [web](https://example.org/x.md)\n"
        "[gone](missing.md) [wrong heading](other.md#no-such-section) [self](#nowhere)\n"
        "`[in code](missing.md)`\n\n```\n[in a block](missing.md)\n```\n",
        encoding="utf-8",
    )
    problems = broken_links(page)
    assert len(problems) == 3, problems
    assert "missing.md names no file" in problems[0]
    assert "other.md#no-such-section names no heading" in problems[1]
    assert "#nowhere names no heading" in problems[2]


def test_issue_references_and_dated_headings_are_reported() -> None:
    text = (
        "# Guide\n\nAs issue 17 asks, and #18 too.\n\n## Measured on 2026-12-02\n\n"
        "[a link](other.md#3-steps) costs 2 #\n\n```\nissue 5 in a code block\n```\n"
    )
    marks = diary_marks(text)
    assert len(marks) == 3, marks
    assert "'issue 17'" in marks[0] and "'#18'" in marks[1]
    assert "dated heading" in marks[2]
