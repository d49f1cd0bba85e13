"""Outlet tables written as TOML an operator reads and edits, each reason a comment.

Python reads TOML but writes none, and the writer Prefect brings along
(``toml``) drops comments, which are the point here: every table says why
it was chosen.
The few value types an outlet table needs are written by hand, and
whatever is written is read back by :func:`parse_outlets` before anyone
sees it, so a writing mistake is caught, never saved.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from newsarchive.spiders.outlets import Outlet, parse_outlets

MAX_NAME = 60
"""Outlet names longer than this are cut: they are typed on command lines."""


def outlet_name(text: str) -> str:
    """A valid outlet name (``[a-z0-9-]``) from a title or host; empty when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:MAX_NAME].strip("-")


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name-2``, ``name-3`` ... when it is taken; the result is taken from now on."""
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name[: MAX_NAME - len(str(number)) - 1]}-{number}"
    taken.add(candidate)
    return candidate


def toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; DEL is escaped too)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _pattern(value: str) -> str:
    """A regex as a TOML literal string, backslashes as typed, when it can be one."""
    if "'" in value or any(not char.isprintable() for char in value):
        return toml_string(value)
    return f"'{value}'"


def _value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _pattern(value) if key.endswith("_pattern") else toml_string(value)
    return "[" + ", ".join(_value(key, item) for item in value) + "]"


def comment(text: str) -> str:
    """One comment line: what the network sent cannot break out of it."""
    return "# " + "".join(char if char.isprintable() else " " for char in text)


def render_table(fields: Mapping[str, Any], notes: Mapping[str, Sequence[str]]) -> str:
    """One ``[[outlet]]`` table; ``notes[key]`` go above the key's line, ``notes[""]`` first."""
    lines = ["[[outlet]]", *(comment(note) for note in notes.get("", ()))]
    for key, value in fields.items():
        lines.extend(comment(note) for note in notes.get(key, ()))
        lines.append(f"{key} = {_value(key, value)}")
    return "\n".join(lines) + "\n"


def checked_file(header: Iterable[str], tables: Sequence[str], label: str) -> str:
    """The whole file's text, read back by the outlets file's own loader first."""
    text = "\n".join([*(comment(line) for line in header), "", *tables])
    parse_outlets(text, label)
    return text


def checked_table(
    fields: Mapping[str, Any], notes: Mapping[str, Sequence[str]], label: str
) -> tuple[Outlet, str]:
    """One table and the outlet it reads as; ConfigError naming ``label`` when it is invalid."""
    text = render_table(fields, notes)
    (outlet,) = parse_outlets(text, label)
    return outlet, text
