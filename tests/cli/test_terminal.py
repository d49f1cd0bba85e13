"""What ``newsarchive crawl`` shows on a terminal: its own output, no notice of Prefect's.

Prefect prints a telemetry notice on the first import in an interactive
terminal with a fresh ``PREFECT_HOME``; the command runs here on a
pseudo-terminal, as a user's first crawl would.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(300)


def on_a_terminal(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """Run ``args`` with a pseudo-terminal as stdin, stdout and stderr; its code and output."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        args, stdin=terminal, stdout=terminal, stderr=terminal, env=env, cwd=cwd
    )
    os.close(terminal)
    output = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: the command has ended
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    return process.wait(timeout=60), output.decode("utf-8", "replace")


def test_the_first_crawl_on_a_terminal_shows_no_telemetry_notice(tmp_path: Path) -> None:
    untracked = ("PREFECT_", "NEWSARCHIVE_", "DO_NOT_TRACK", "CI")
    env = {k: v for k, v in os.environ.items() if not k.startswith(untracked)}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect"), "NEWSARCHIVE_HOME": str(tmp_path / "a")}
    command = [sys.executable, "-m", "newsarchive", "crawl", "--replay", "vanguard"]

    code, output = on_a_terminal(command, env, tmp_path)

    assert code == 0, output[-2000:]
    assert "vanguard" in output  # the command's own table
    assert "usage data" not in output and "DO_NOT_TRACK" not in output
