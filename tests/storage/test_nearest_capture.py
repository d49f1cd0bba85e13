"""Which capture answers "the page as of this time", for `get --at` and the viewer alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newsarchive.errors import NotFoundError
from newsarchive.storage.reading.captures import nearest
from newsarchive.storage.results import CaptureInfo

FIRST = datetime(2026, 2, 23, 12, 0, tzinfo=UTC)


def captures(*hours: int) -> list[CaptureInfo]:
    url = "https://sputnikglobe.com/20260223/story.html"
    return [
        CaptureInfo(url, n, FIRST + timedelta(hours=h), 200, n, f"{n:064x}", url, url, [], [])
        for n, h in enumerate(hours, start=1)
    ]


@pytest.mark.parametrize(
    ("at_hours", "version"),
    [
        (-1000, 1),  # long before the first capture: the first one still answers
        (0, 1),  # exactly at a capture
        (4, 1),  # nearer the first
        (5, 1),  # a tie goes to the capture at or before the time
        (6, 2),  # nearer the second, which lies after the time asked
        (1000, 3),  # after the last
    ],
)
def test_the_nearest_capture_on_either_side_wins_and_ties_go_earlier(
    at_hours: int, version: int
) -> None:
    at = FIRST + timedelta(hours=at_hours)
    assert nearest(captures(0, 10, 20), at).version == version


def test_an_article_without_captures_is_not_found() -> None:
    with pytest.raises(NotFoundError):
        nearest([], FIRST)
