"""From trafilatura's text to the archive's body: one clean paragraph per line.

What is removed here is what every kind of site shares and trafilatura keeps
because it sits inside the article container: the headline repeated as the
first line, and datelines ("March 5, 2024", "Published: 23 Feb. 2026, 18:07")
standing alone on a line.  A profile's lead paragraph, which trafilatura drops
as a teaser, is put back in front.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = (
    rf"(?:{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}"  # March 5, 2024
    rf"|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}"  # 5 March 2024 / 23 Feb. 2026
    r"|\d{4}[-./]\d{1,2}[-./]\d{1,2}"  # 2024-03-05 / 2026.02.23
    r"|\d{1,2}[./]\d{1,2}[./]\d{4})"  # 23.02.2026
)
_TIME = r"(?:,?\s+\d{1,2}:\d{2}(?:\s*(?:[ap]\.?m\.?|gmt|utc|kst|[a-z]{3}))?)"
_DATELINE = re.compile(
    rf"^(?:(?:published|updated|posted|first published)\s*(?:on|:)?\s*)?{_DATE}{_TIME}?$",
    re.IGNORECASE,
)


def clean(text: str) -> str:
    """Whitespace runs (including newlines and NBSP) to one space, ends trimmed, NFC.

    NFC as trafilatura's ``extract`` gives (its ``bare_extraction`` does not): a
    decomposed "é" or Bengali vowel sign would otherwise never match a search
    typed in the composed form.
    """
    return unicodedata.normalize("NFC", _SPACES.sub(" ", text).strip())


def is_dateline(line: str) -> bool:
    return bool(_DATELINE.match(line))


def body_paragraphs(raw: str | None, *, title: str | None, lead: str | None) -> list[str]:
    """One normalised paragraph per line, without headline and bare datelines, lead first."""
    lines = [
        line
        for line in map(clean, (raw or "").splitlines())
        if line and line != title and not is_dateline(line)
    ]
    if lead and lead not in lines:
        lines.insert(0, lead)
    return lines
