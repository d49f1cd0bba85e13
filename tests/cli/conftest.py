"""Run the real ``newsarchive`` command in a child process, as a user would."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

RunCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_cli(tmp_path: Path) -> RunCli:
    """``run_cli("list", "--json", env={...})`` -> CompletedProcess with text stdout/stderr."""

    def run(
        *args: str, env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        import os

        full_env = {**os.environ, "NEWSARCHIVE_HOME": str(tmp_path / "archive"), **(env or {})}
        return subprocess.run(
            [sys.executable, "-m", "newsarchive", *args],
            capture_output=True,
            text=True,
            env=full_env,
            timeout=timeout,
            check=False,
        )

    return run
