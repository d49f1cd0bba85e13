"""pywb, the Webrecorder replay system, run as archivists run it: its own venv, wb-manager, wayback.

pywb brings gevent, which must not share a process (or a virtual
environment) with Scrapy, Prefect and the rest of newsarchive, so it lives
in ``.venv-pywb`` at the repository root, installed once from
``requirements-pywb.lock`` (pywb 2.10 and its dependencies, locked for
Python 3.11 with uv) and reused while the lock is unchanged.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements-pywb.lock"
VENV = ROOT / ".venv-pywb"
_STAMP = VENV / "installed-from.sha256"


def pywb_bin() -> Path:
    """The bin folder of a pywb venv matching the lock, built first when missing or stale."""
    wanted = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    with FileLock(ROOT / ".venv-pywb.lock"):  # pytest-xdist's workers build it once
        return _built(wanted)


def _built(wanted: str) -> Path:
    if _STAMP.exists() and _STAMP.read_text() == wanted and (VENV / "bin" / "wayback").exists():
        return VENV / "bin"
    shutil.rmtree(VENV, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, timeout=300)
    subprocess.run(
        [str(VENV / "bin" / "pip"), "install", "-q", "--no-deps", "-r", str(LOCK)],
        check=True, timeout=900,
    )  # fmt: skip
    _STAMP.write_text(wanted)
    return VENV / "bin"


def add_to_collection(bin_dir: Path, root: Path, collection: str, *archives: Path) -> None:
    """``wb-manager init`` and ``wb-manager add``, in ``root`` as pywb's working directory."""
    manager = str(bin_dir / "wb-manager")
    if not (root / "collections" / collection).exists():
        subprocess.run([manager, "init", collection], cwd=root, check=True, capture_output=True)
    for archive in archives:
        # pywb adds a WACZ by unpacking its WARCs and index into the collection
        unpack = ["--unpack-wacz"] if archive.suffix == ".wacz" else []
        subprocess.run(
            [manager, "add", *unpack, collection, str(archive)],
            cwd=root, check=True, capture_output=True,
        )  # fmt: skip


@contextmanager
def wayback(bin_dir: Path, root: Path) -> Iterator[str]:
    """``wayback`` serving the collections under ``root`` on a free loopback port; its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (root / "wayback.log").open("wb")
    process = subprocess.Popen(
        [str(bin_dir / "wayback"), "-b", "127.0.0.1", "-p", str(port)],
        cwd=root, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((root / "wayback.log").read_text()) from None
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def export(home: Path, target: Path) -> str:
    """``newsarchive export TARGET`` run as a user runs it, on the archive at ``home``."""
    env = {**os.environ, "NEWSARCHIVE_HOME": str(home)}
    result = subprocess.run(
        [sys.executable, "-m", "newsarchive", "export", str(target)],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout
