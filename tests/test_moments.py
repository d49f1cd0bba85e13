"""Dates as people type them: a bare date is the whole day, in every command and the viewer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsarchive.errors import InputError
from newsarchive.moments import Edge, parse_moment


@pytest.mark.parametrize(
    ("value", "edge", "expected"),
    [
        ("2026-02-24", Edge.START, datetime(2026, 2, 24, tzinfo=UTC)),
        ("2026-02-24", Edge.END, datetime(2026, 2, 24, 23, 59, 59, 999999, tzinfo=UTC)),
        ("20260224", Edge.END, datetime(2026, 2, 24, 23, 59, 59, 999999, tzinfo=UTC)),
        # a time is that time, whichever end it bounds
        ("2026-02-24T12:00", Edge.END, datetime(2026, 2, 24, 12, tzinfo=UTC)),
        ("2026-02-24T12:00:00Z", Edge.START, datetime(2026, 2, 24, 12, tzinfo=UTC)),
        ("2026-02-24T12:00:00+09:00", Edge.END, datetime(2026, 2, 24, 3, tzinfo=UTC)),
        (" 2026-02-24 ", Edge.START, datetime(2026, 2, 24, tzinfo=UTC)),
        # Wayback timestamps, and their prefixes as the period they name
        ("20260224120030", Edge.START, datetime(2026, 2, 24, 12, 0, 30, tzinfo=UTC)),
        ("20260224120030", Edge.END, datetime(2026, 2, 24, 12, 0, 30, 999999, tzinfo=UTC)),
        ("2026022412", Edge.END, datetime(2026, 2, 24, 12, 59, 59, 999999, tzinfo=UTC)),
        ("202602", Edge.END, datetime(2026, 2, 28, 23, 59, 59, 999999, tzinfo=UTC)),
        ("202412", Edge.END, datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("2026", Edge.START, datetime(2026, 1, 1, tzinfo=UTC)),
        ("9999", Edge.END, datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        (None, Edge.END, None),
        ("", Edge.START, None),
    ],
)
def test_a_bare_date_is_the_whole_day(value: str | None, edge: Edge, expected: datetime) -> None:
    assert parse_moment(value, "--until", edge) == expected


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("last week", "not a date"),
        ("2026-02-30", "not a date"),
        ("20261301", "14-digit timestamp"),
        ("12345", "not a date"),
        ("202602241200301", "not a date"),
        ("0001-01-01T00:00+14:00", "range"),
    ],
)
def test_bad_input_is_one_clear_error(value: str, needle: str) -> None:
    with pytest.raises(InputError, match=needle) as raised:
        parse_moment(value, "--since")
    assert str(raised.value).startswith("--since: ")
