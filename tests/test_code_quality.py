"""The project's own quality gates: ruff's rules and formatting, and mypy over the package.

mypy cannot follow the ``package-dir`` mapping that makes ``spiders/``,
``storage/`` and ``flows/`` subpackages of ``newsarchive``, so it checks the
package as it is shipped: the wheel, unpacked.  Its findings are reported
under the source paths they come from.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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


def _source_paths(report: str) -> str:
    """mypy's report with unpacked-wheel paths turned back into the checkout's paths."""
    mapping = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-dir"
    ]
    for name, folder in sorted(mapping.items(), key=lambda item: -len(item[0])):
        report = report.replace(name.replace(".", "/") + "/", f"{folder}/")
    return report


def test_mypy_is_clean(built_wheel: Path, tmp_path: Path) -> None:
    zipfile.ZipFile(built_wheel).extractall(tmp_path)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    result = run(
        BIN / "mypy", "--cache-dir", tmp_path / ".mypy_cache", "-p", "newsarchive", cwd=tmp_path
    )
    assert result.returncode == 0, _source_paths(result.stdout)
