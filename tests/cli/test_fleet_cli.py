"""The fleet from the command line: a cycle polls what is due, health shows what it left."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error

from newsarchive.spiders.outlets import builtin_outlets_path

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def adaptive_outlets(tmp_path: Path) -> Path:
    """The seed outlets without their crons: the fleet schedules them itself.

    Pinned, an outlet comes due again at its cron's next minute, which a slow
    first cycle can reach before the second one starts.
    """
    text = builtin_outlets_path().read_text(encoding="utf-8")
    path = tmp_path / "outlets.toml"
    path.write_text(re.sub(r"(?m)^schedule = .*$", "", text), encoding="utf-8")
    return path


def test_a_fleet_cycle_polls_what_is_due_and_health_shows_it(  # type: ignore[no-untyped-def]
    run_cli, adaptive_outlets: Path
) -> None:
    file = ("--outlets-file", str(adaptive_outlets))
    first = run_cli("crawl", "--due", "--replay", "--json", *file, timeout=240)
    assert first.returncode == 0, first.stderr
    polled = [json.loads(line) for line in first.stdout.splitlines()]
    assert sorted(row["outlet"] for row in polled) == [
        "joongang",
        "kcnawatch",
        "sputnik",
        "vanguard",
    ]
    assert all(row["new"] >= 1 for row in polled)

    again = run_cli("crawl", "--due", "--replay", *file, timeout=240)
    assert (again.returncode, again.stdout.strip()) == (0, "nothing was due"), again.stderr

    health = run_cli("outlets", "health", "--json", *file)
    rows = [json.loads(line) for line in health.stdout.splitlines()]
    assert [row["outlet"] for row in rows] == ["joongang", "kcnawatch", "sputnik", "vanguard"]
    for row in rows:
        assert row["status"] == "working" and row["failures"] == 0
        assert row["last_success"] and row["last_new_article"] and row["next_due"]
    table = run_cli("outlets", "health", *file).stdout.splitlines()
    assert table[0].split() == [
        "outlet",
        "status",
        "failures",
        "last_success",
        "last_new_article",
        "next_due",
    ]


def test_enable_refuses_an_outlet_that_is_not_disabled(run_cli) -> None:  # type: ignore[no-untyped-def]
    run_cli("crawl", "--due", "--replay", "--json", timeout=240)
    assert_one_line_error(run_cli("outlets", "enable", "sputnik"), 2, "is not disabled (working)")
    assert_one_line_error(run_cli("outlets", "enable", "nosuch"), 2, "unknown outlet 'nosuch'")


def test_due_takes_no_outlet_names(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert_one_line_error(run_cli("crawl", "--due", "sputnik"), 2, "--due polls what is due")
