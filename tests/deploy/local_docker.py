"""Docker on this machine, and the newsarchive image built with no registry and no package index.

The machines the suite runs on reach Debian's packages and PyPI, but no image
registry, and their containers reach neither.  So the image is built as
deploy/README.md says to build it offline: on a base made here the way
``python:3.11-slim`` is made (Debian's Python 3.11, from debootstrap, with pip
on PATH), with pip taking the locked wheels, built on the host, from a
loopback server, and every container on the host's network.  The base and
the wheels are cached under ``~/.cache/newsarchive/docker``, each keyed by what
it is made of, so that a rerun only builds the image.

Missing tools fail the test that needs them (never a skip): ``scripts/test``
installs them (``apt-get install docker.io debootstrap``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import DOCKERFILE, LOCK, REPO_ROOT, copied_sources, dockerfile_stages

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsarchive" / "docker"
VENV = "/opt/python"
# The base image's recipe, all of it: its cache key is made of these three.
DEBOOTSTRAP = ["debootstrap", "--variant=minbase", "--include=python3,python3-venv", "bookworm"]
MAKE_VENV = ["python3", "-m", "venv", VENV]  # pip, outside Debian's externally managed Python
BASE_PATH = f"{VENV}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
WHEELS_PORT = 47611


def log_tail(log: Path, lines: int = 60) -> str:
    """The end of a log, to explain a failure in the test report."""
    if not log.exists():
        return "(no log)"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def docker(
    *args: str, timeout: float = 120, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run the docker CLI; when ``check``, its failure fails the test with its output."""
    result = subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        pytest.fail(f"docker {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result


def _daemon_answers() -> bool:
    return docker("version", timeout=30, check=False).returncode == 0


@contextlib.contextmanager
def docker_daemon(log: Path) -> Iterator[None]:
    """A Docker daemon for the block: the machine's own when one answers, else one started here.

    The one started here makes no bridge network and no iptables rules, which a machine
    without those kernel features could not give it: its containers run on the host's
    network, which is all the tests need.  It is stopped afterwards.
    """
    if _daemon_answers():
        yield
        return
    dockerd = shutil.which("dockerd")
    assert dockerd, "dockerd is missing: apt-get install docker.io"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [dockerd, "--bridge=none", "--iptables=false"],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while not _daemon_answers():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"dockerd did not start:\n{log_tail(log)}")
            time.sleep(0.5)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _run(args: list[str], log: Path, timeout: float) -> None:
    """Run a build step with its output in ``log``; its failure fails the test with the log."""
    with log.open("ab") as out:
        result = subprocess.run(
            args, stdout=out, stderr=subprocess.STDOUT, timeout=timeout, check=False
        )
    if result.returncode != 0:
        pytest.fail(f"{' '.join(args[:3])} ... exited {result.returncode}:\n{log_tail(log)}")


def _mounts_under(folder: Path) -> list[str]:
    mount_points = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()]
    return [point for point in mount_points if point.startswith(f"{folder}/")]


def _remove_work(folder: Path) -> None:
    """Remove the folder a base was made in, unmounting first what a run cut short left
    mounted in its debootstrap target: the host's /proc and /sys, under which nothing may
    ever be removed.  A mount that stays fails the test and keeps the folder."""
    for mount_point in sorted(_mounts_under(folder), reverse=True):
        subprocess.run(["umount", "--lazy", mount_point], check=False, timeout=60)
    assert not _mounts_under(folder), f"{_mounts_under(folder)} still mounted: {folder} is kept"
    shutil.rmtree(folder, ignore_errors=True)


def base_image(log: Path) -> str:
    """The image both build stages start from: Debian's Python 3.11, pip on PATH.

    Imported from a tarball of a debootstrap target, which is made only when no
    cached one has the same recipe.
    """
    key = hashlib.sha256(json.dumps([DEBOOTSTRAP, MAKE_VENV, BASE_PATH]).encode()).hexdigest()
    tag = f"newsarchive-test-base:{key[:16]}"
    if docker("image", "inspect", tag, check=False).returncode == 0:
        return tag
    tarball = CACHE / f"base-{key[:16]}.tar"
    if not tarball.exists():
        assert shutil.which("debootstrap"), "debootstrap is missing: apt-get install debootstrap"
        work = CACHE / f"base-{key[:16]}.work"
        _remove_work(work)  # what a run cut short left
        root = work / "root"
        root.mkdir(parents=True)
        try:
            _run([*DEBOOTSTRAP, str(root)], log, timeout=900)
            _run(["chroot", str(root), *MAKE_VENV], log, timeout=300)
            _run(["tar", "-C", str(root), "-cf", str(work / "base.tar"), "."], log, timeout=300)
            (work / "base.tar").replace(tarball)  # a tarball is cached whole or not at all
        finally:
            _remove_work(work)
    docker("import", "--change", f"ENV PATH={BASE_PATH}", str(tarball), tag, timeout=300)
    return tag


def wheelhouse(log: Path) -> Path:
    """A wheel of every package the lock pins, built on the host, which reaches the index.

    All of the lock, not this interpreter's resolution of it: the lock holds for
    every Python 3.11, and the base image's 3.11.2 needs one package (async-timeout,
    for redis) that the host's later 3.11 does not.
    """
    folder = CACHE / f"wheels-{hashlib.sha256(LOCK.read_bytes()).hexdigest()[:16]}"
    if folder.exists():
        return folder
    partial = folder.with_suffix(".partial")
    shutil.rmtree(partial, ignore_errors=True)
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(partial)]
    _run([*pip_wheel, "-r", str(LOCK)], log, timeout=900)
    partial.rename(folder)  # complete, or not there
    return folder


class _QuietHandler(SimpleHTTPRequestHandler):
    """A file server that keeps pip's two hundred requests out of the test's output."""

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def served(folder: Path) -> Iterator[str]:
    """``folder`` over HTTP on loopback, as pip's find-links reads it; its URL.

    On one port while it is free: Docker keys the cache of a RUN step by the build
    arguments it sees, this URL among them, so another port would rebuild both stages.
    """
    handler = functools.partial(_QuietHandler, directory=str(folder))
    try:
        server = ThreadingHTTPServer(("127.0.0.1", WHEELS_PORT), handler)
    except OSError:  # taken: this build goes without the cache
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def build_context(context: Path) -> None:
    """What the Dockerfile copies, and the Dockerfile: not the checkout's virtual environments."""
    sources = set().union(*(copied_sources(stage) for stage in dockerfile_stages()))
    for source in [*sorted(sources), str(DOCKERFILE.relative_to(REPO_ROOT))]:
        target = context / source
        target.parent.mkdir(parents=True, exist_ok=True)
        if (REPO_ROOT / source).is_dir():
            ignored = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(REPO_ROOT / source, target, ignore=ignored)
        else:
            shutil.copy2(REPO_ROOT / source, target)


def build_image(tag: str, work: Path) -> None:
    """deploy/Dockerfile built offline, as deploy/README.md says, into the image ``tag``.

    The image that held the tag before is removed once the tag moves on (unless a
    container still uses it): an unchanged checkout rebuilds from Docker's cache in
    seconds, and a changed one leaves no stale image behind.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:  # pip and debootstrap, on two cores
        wheels = pool.submit(wheelhouse, work / "wheels.log")
        base = base_image(work / "base.log")
        find_links_folder = wheels.result()
    build_context(work / "context")
    before = docker("image", "inspect", "--format", "{{.Id}}", tag, check=False).stdout.strip()
    with served(find_links_folder) as find_links:
        _run(
            [
                "docker", "build", "--network", "host",
                "--build-arg", f"BASE_IMAGE={base}",
                "--build-arg", "PIP_NO_INDEX=1",
                "--build-arg", f"PIP_FIND_LINKS={find_links}",
                "-f", str(work / "context" / DOCKERFILE.relative_to(REPO_ROOT)),
                "-t", tag, str(work / "context"),
            ],
            work / "build.log",
            timeout=900,
        )  # fmt: skip
    after = docker("image", "inspect", "--format", "{{.Id}}", tag).stdout.strip()
    if before and before != after:
        docker("image", "rm", before, check=False)
