"""The suite's promise about PostgreSQL: one is brought up when none answers, none is skipped.

Each case runs one PostgreSQL test of the suite in a pytest of its own, as a
fresh machine would, with ``NEWSARCHIVE_TEST_POSTGRES`` pointing at a port
where nothing listens.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import postgres_service

ROOT = Path(__file__).resolve().parents[1]
A_POSTGRES_TEST = "tests/storage/test_catalog_schema.py::test_reopening_is_an_upgrade_no_op"


def inner_pytest(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        nothing = f"postgresql://postgres@127.0.0.1:{probe.getsockname()[1]}/test"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "0", "-p", "no:cacheprovider", "-q", "-rs",
         f"{A_POSTGRES_TEST}[postgresql]"],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
        env={**os.environ, postgres_service.ENV: nothing, "TMPDIR": str(tmp_path), **env},
    )  # fmt: skip


def test_with_no_server_answering_the_suite_starts_one_and_removes_it(tmp_path: Path) -> None:
    result = inner_pytest(tmp_path)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout
    # the private server's data folder was made in TMPDIR and is gone with its server
    assert not list(tmp_path.glob("newsarchive-test-postgres-*"))


def test_a_server_that_cannot_be_had_fails_the_run(tmp_path: Path) -> None:
    broken = tmp_path / "shadow" / "pgserver"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('no PostgreSQL binaries here')\n")
    result = inner_pytest(tmp_path, PYTHONPATH=str(broken.parent))
    assert result.returncode == 1, result.stdout[-2000:]
    assert "no PostgreSQL for the suite, and none could be started" in result.stdout + result.stderr
    assert "passed" not in result.stdout and "skipped" not in result.stdout


def test_leaving_postgresql_out_is_said_explicitly(tmp_path: Path) -> None:
    result = inner_pytest(tmp_path, **{postgres_service.ENV: postgres_service.OPT_OUT})
    assert result.returncode == 0, result.stdout[-2000:]
    assert "1 skipped" in result.stdout
    assert "NEWSARCHIVE_TEST_POSTGRES=skip" in result.stdout
