"""Date lines: a line of the body that is a date and at most a short label around it.

Pages print "Published: 23 Feb. 2026, 18:07", "Publicado em 23 de fevereiro de
2026, às 18:07", "입력 2026.02.23 18:07" or "Mis à jour le 23/02/2026" above or
below the story, inside the container trafilatura keeps.  Such a line is told
by what it is made of, in the languages of dateparser's locales (the seed
outlets' English and Korean, and the major European languages), with no month
table of our own: a date that htmldate's numeric pattern or a month name of
those locales makes out, numbers, words dateparser itself knows in dates
("de", "às", "Uhr", weekdays, am/pm, units such as 년 and 일), time zones, and
at most one other word of three letters or more (the label: "Publicado",
"Veröffentlicht").  A line with more is a sentence that mentions a date, and
stays: on the snippet set, allowing two label words removed as many main-text
lines as boilerplate ones, one label word twice as many boilerplate ones.  The
label stands before or after the date, never between its parts: a word there
belongs to a date written in the text's own way, such as the dating that
closes a letter ("July 11, Juche 110(2021)"), which is the letter's.
"""

from __future__ import annotations

import re
from functools import cache

from dateparser.languages.loader import default_loader
from htmldate.extractors import YMD_PATTERN

LANGUAGES = (
    *("en", "ko", "de", "fr", "es", "pt", "it", "nl", "pl", "cs", "sk", "sl", "hr", "ro", "hu"),
    *("sv", "da", "nb", "fi", "el", "ru", "uk", "bg", "tr", "ca", "lt", "lv", "et"),
)
MONTH_KEYS = (
    *("january", "february", "march", "april", "may", "june", "july", "august"),
    *("september", "october", "november", "december"),
)
DATE_WORD_KEYS = (
    *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    *("skip", "pertain", "am", "pm", "year", "month", "day", "hour", "minute", "second"),
)
MAX_LINE = 90  # characters: a date line is short
MAX_LABEL_WORDS = 1
MIN_WORD = 3  # shorter words ("on", "am", "de", "le", 입력) never decide

_DIGIT = re.compile(r"\d")
_TOKEN = re.compile(r"\d+[^\W\d_]*|[^\W\d_]+")
_TIME_ZONE = re.compile(r"[A-Z]{2,4}")


@cache
def date_vocabulary() -> tuple[frozenset[str], frozenset[str]]:
    """Month names, and every other word of dates, of the locales of ``LANGUAGES`` (lower case).

    Loaded on the first line that could be a date line, once per process.
    """
    months: set[str] = set()
    others: set[str] = set()
    for locale in default_loader.get_locales(languages=list(LANGUAGES)):
        for keys, words in ((MONTH_KEYS, months), (DATE_WORD_KEYS, others)):
            for key in keys:
                words.update(str(word).casefold().strip(". ") for word in locale.info.get(key, []))
    return frozenset(months), frozenset(others)


def _unit_of(token: str) -> str:
    """``2026년`` -> ``년``, ``18h07`` -> ``h07`` (what follows the leading number)."""
    return token.lstrip("0123456789")


def is_dateline(line: str) -> bool:
    """True for a line that is a date (and time) with at most a short label."""
    if len(line) > MAX_LINE or line.startswith("|") or not _DIGIT.search(line):
        return False
    months, others = date_vocabulary()
    tokens = _TOKEN.findall(line)
    numbers = [t for t in tokens if t[0].isdigit()]
    words = [t.casefold() for t in tokens if not t[0].isdigit()]
    units = [_unit_of(t).casefold() for t in numbers if _unit_of(t)]
    dated = (
        YMD_PATTERN.search(line) is not None
        or any(word in months for word in words + units)
        or sum(unit in others for unit in units) >= 2  # 2026년 2월 23일
    )
    label = [
        n
        for n, t in enumerate(tokens)
        if not t[0].isdigit()
        and len(t) >= MIN_WORD
        and t.casefold() not in months
        and t.casefold() not in others
        and not _TIME_ZONE.fullmatch(t)
    ]
    parts = [n for n, t in enumerate(tokens) if t[0].isdigit() or t.casefold() in months]
    inside = any(parts[0] < n < parts[-1] for n in label) if parts else False
    return dated and len(label) <= MAX_LABEL_WORDS and not inside
