"""Services the whole suite shares: a real S3 endpoint and PostgreSQL databases.

S3 is moto's HTTP server on a free loopback port, spoken to over the wire by
boto3 through its standard configuration (``AWS_ENDPOINT_URL`` and friends),
exactly as MinIO or AWS would be.  PostgreSQL is the server this machine runs
on 127.0.0.1:5432; each test that asks for it gets a database of its own.
"""

from __future__ import annotations

import os
import signal
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import postgres_service
import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def pytest_configure(config: pytest.Config) -> None:
    """Brings up a PostgreSQL server for the session when none answers.

    Only the process that runs the session does: pytest-xdist's workers inherit
    its address from the environment.
    """
    if hasattr(config, "workerinput") or postgres_service.admin_url() == postgres_service.OPT_OUT:
        return
    if postgres_service.unreachable(postgres_service.admin_url()) is None:
        return
    server = postgres_service.PrivateServer(free_port())
    try:
        server.start()
    except Exception as exc:  # no server: the PostgreSQL tests cannot pass, so none runs
        pytest.exit(f"no PostgreSQL for the suite, and none could be started: {exc}", 1)
    config.add_cleanup(server.stop)
    os.environ[postgres_service.ENV] = server.url


SLOW_FIRST = {"docker": 0, "prefect": 1, "browser": 2}
"""Markers of the slow modules, slowest first (the rest come after, in their own order)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow modules first: pytest-xdist's workers then end the run on quick ones.

    Handed out last, one Docker or Prefect module kept a worker busy for minutes
    after the other had nothing left to do.
    """

    def weight(item: pytest.Item) -> int:
        marked = (SLOW_FIRST[m.name] for m in item.iter_markers() if m.name in SLOW_FIRST)
        return min(marked, default=len(SLOW_FIRST))

    items.sort(key=weight)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Interrupts work in the suite however it was started.

    A shell without job control starts its background commands with SIGINT
    ignored, and a process inherits that: ``newsarchive serve`` and Prefect's
    workers, started by the tests, then ignored the SIGINT (or a worker's
    SIGTERM, which Prefect turns into one) that stops them, and the tests
    that stop them failed after 30 s.  Handled here, it is reset for them.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's own settings, .env or Prefect profile."""
    for name in list(os.environ):
        if name.startswith(("NEWSARCHIVE_", "AWS_")) and name != postgres_service.ENV:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server over HTTP on loopback, for the whole session."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_env(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """boto3's standard environment pointed at the moto server; returns the endpoint."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing-key-id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret-key")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return s3_endpoint


@pytest.fixture
def s3_bucket(s3_env: str) -> str:
    """A fresh, empty bucket on the moto server."""
    import boto3

    name = f"archive-{uuid.uuid4().hex[:12]}"
    boto3.client("s3").create_bucket(Bucket=name)
    return name


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A SQLAlchemy URL of a new, empty PostgreSQL database, dropped afterwards."""
    import psycopg

    admin = postgres_service.admin_url()
    if admin == postgres_service.OPT_OUT:
        pytest.skip(f"{postgres_service.ENV}=skip: PostgreSQL left out of this run")
    reason = postgres_service.unreachable(admin)
    if reason:
        pytest.fail(f"{reason} (set {postgres_service.ENV}=skip to leave PostgreSQL out)")
    name = f"newsarchive_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each catalog test runs on the embedded SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built from this checkout as ``pip wheel .`` builds it for users.

    Built with the locked setuptools of this environment (no build isolation),
    so the suite needs nothing from the network.
    """
    from filelock import FileLock

    out = tmp_path_factory.mktemp("wheel")
    root = Path(__file__).resolve().parents[1]
    # setuptools builds in the source tree, which pytest-xdist's workers share
    with FileLock(root / ".pytest-wheel.lock"):
        _build_wheel(root, out)
    (wheel,) = out.glob("newsarchive-*.whl")
    return wheel


def _build_wheel(root: Path, out: Path) -> None:
    import shutil
    import subprocess
    import sys

    leftovers = [root / "build", root / "newsarchive.egg-info"]
    existed = {path for path in leftovers if path.exists()}
    try:
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
             "-w", str(out), str(root)],
            check=True, capture_output=True, timeout=300, cwd=out,
        )  # fmt: skip
    finally:
        for path in set(leftovers) - existed:  # setuptools builds in the source tree
            shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def replayed_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive home holding two replays: the site, then the site a day later.

    Shared by the whole session: tests that change an archive copy it first.
    """
    from replayed_archive import replay_into

    home = tmp_path_factory.mktemp("replayed") / "archive"
    replay_into(home, 1)
    # The days are a second apart at least, as they are a day apart for real: archivists'
    # tools (pywb, Memento) address a capture by its 14-digit timestamp, to the second.
    time.sleep(1 - time.time() % 1)
    replay_into(home, 2)
    return home
