"""The project's own quality gates: ruff's rules and formatting, and mypy over the package.

mypy cannot follow the ``package-dir`` mapping that makes ``spiders/``,
``storage/`` and ``flows/`` subpackages of ``newsarchive``, so the check
lays the package out as Python sees it, with symbolic links, and runs there.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAPPED_ROOMS = ("spiders", "storage", "flows")
BIN = Path(sys.executable).parent


def run(*command: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in command], cwd=cwd, capture_output=True, text=True, check=False, timeout=600
    )


def test_ruff_rules_and_formatting() -> None:
    lint = run(BIN / "ruff", "check", ".")
    assert lint.returncode == 0, lint.stdout
    style = run(BIN / "ruff", "format", "--check", ".")
    assert style.returncode == 0, style.stdout


def test_mypy_is_clean(tmp_path: Path) -> None:
    package = tmp_path / "newsarchive"
    package.mkdir()
    for entry in (ROOT / "newsarchive").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    for room in MAPPED_ROOMS:
        (package / room).symlink_to(ROOT / room)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    result = run(
        BIN / "mypy", "--cache-dir", tmp_path / ".mypy_cache", "-p", "newsarchive", cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout
