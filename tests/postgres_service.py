"""The PostgreSQL server the suite tests the catalog on, brought up when none answers.

The suite uses the server named by ``NEWSARCHIVE_TEST_POSTGRES`` (by default the
machine's, ``postgresql://postgres@127.0.0.1:5432/test``).  When nothing answers
there, the session starts a private server from the PostgreSQL binaries that
``pgserver`` (a package of the ``test`` extra) ships, so the README's test line
needs no database installed first: ``initdb`` into a temporary folder, ``pg_ctl
start`` on a free loopback port with trust authentication, stopped and removed
when the session ends.  Its address is put in the
environment, so pytest-xdist's workers and the processes tests start find it.

A missing server fails the catalog's tests rather than skipping them: a green run
promises that the catalog works on PostgreSQL.  ``NEWSARCHIVE_TEST_POSTGRES=skip``
is the explicit opt-out for a local run without one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from pathlib import Path
from types import ModuleType

ENV = "NEWSARCHIVE_TEST_POSTGRES"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
OPT_OUT = "skip"


def admin_url() -> str:
    """The URL of the database tests connect to in order to create their own."""
    return os.environ.get(ENV, DEFAULT_URL)


def unreachable(url: str) -> str | None:
    """Why nothing answers at ``url``, in one line, or None when a server does."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"no PostgreSQL at {url}: {exc}".splitlines()[0]


class PrivateServer:
    """A PostgreSQL server of pgserver's binaries, owned by this test session."""

    def __init__(self, port: int) -> None:
        self.data = Path(tempfile.mkdtemp(prefix="newsarchive-test-postgres-"))
        self.port = port
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def start(self) -> None:
        """initdb afresh, then start listening on loopback only."""
        pgserver = _pgserver()
        user = _unprivileged_user(self.data)
        initdb = ["--auth=trust", "--encoding=utf8", "-U", "postgres"]
        pgserver.initdb(initdb, pgdata=self.data, user=user)
        options = f"-h 127.0.0.1 -p {self.port} -k ''"  # TCP only: no socket path to outgrow
        log = self.data / "server.log"
        pgserver.pg_ctl(
            ["-w", "-o", options, "-l", str(log), "start"], pgdata=self.data, user=user, timeout=60
        )

    def stop(self) -> None:
        user = _unprivileged_user(self.data)
        _pgserver().pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.data, user=user, timeout=60)
        shutil.rmtree(self.data, ignore_errors=True)


def _unprivileged_user(data: Path) -> str | None:
    """The user to run PostgreSQL as: ourselves, unless we are root, which it refuses.

    As root, pgserver's own ``pgserver`` user runs the binaries; it needs to own the
    data folder and to reach it and the binaries, as pgserver itself arranges.
    """
    if os.geteuid() != 0:
        return None
    import stat

    pgserver = _pgserver()
    binaries = pgserver.postgres_server.POSTGRES_BIN_PATH
    ensure_folder_permissions = pgserver.utils.ensure_folder_permissions
    ensure_prefix_permissions = pgserver.utils.ensure_prefix_permissions
    pgserver.utils.ensure_user_exists("pgserver")
    for path in (data, binaries):
        ensure_prefix_permissions(path)
    readable = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(binaries, readable | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(binaries.parent / "lib", readable)
    shutil.chown(data, "pgserver", "pgserver")
    return "pgserver"


def _pgserver() -> ModuleType:
    """pgserver, imported without its warning about a missing ``XDG_RUNTIME_DIR``.

    Its module-level lock path asks platformdirs for a runtime folder that only its
    own ``get_server`` uses; the commands used here need none.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver
        import pgserver.postgres_server
        import pgserver.utils

    return pgserver
