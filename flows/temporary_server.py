"""The temporary Prefect server of a ``crawl`` run without ``PREFECT_API_URL``, started first.

Left to itself, Prefect starts this server (``SubprocessASGIServer``) when
the flow first asks for its API: only after the command has loaded
everything else, and after importing Prefect's whole server package into the
crawl's process just to launch a subprocess; the crawl then waits, doing
nothing, for the server to answer.  Started here, as the command begins and
without importing Prefect, the server loads on the other core while the
crawl loads, and the crawl's process never imports it
(``docs/decisions/0009-temporary-prefect-server-started-first.md``).
It is the same server, run the way Prefect runs it (uvicorn with Prefect's
app factory, the UI off, its services those of a temporary server, its
database the one in ``PREFECT_HOME``), and the flow is the same Prefect flow
against it, through ``PREFECT_API_URL`` for the run's lifetime.

It is started only when no server is configured.  Besides the environment,
Prefect reads its settings from the active profile and from ``.env``,
``prefect.toml`` and ``pyproject.toml`` in the working directory; where
one of these may name a server, Prefect itself decides, as it would
without this module (its own temporary server if none is named after all):
a run must never go to a throwaway server when the operator named one.
"""

from __future__ import annotations

import atexit
import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newsarchive.errors import CrawlError

STARTUP_TIMEOUT_SECONDS = 120  # generous: a loaded two-core machine may take far more than 20 s
POLL_SECONDS = 0.05
STOP_SECONDS = 5
PORT_IN_USE = 3  # uvicorn's exit code when its port was taken meanwhile

# What Prefect sets for the temporary server it starts itself (prefect.server.api.server).
SERVER_ENVIRONMENT = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
}


class TemporaryServer:
    """A Prefect server on a free loopback port, started at once, waited for when needed."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.process = _launch(self.port)
        self.used = False  # a flow was (about to be) run against it

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT_SECONDS) -> None:
        """Return once the server answers its health check; a server that cannot start is a
        CrawlError.  A port taken between choosing and binding it means another port."""
        self.used = True
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code == PORT_IN_USE:
                self.port = _free_port()
                self.process = _launch(self.port)
            elif code is not None:
                raise CrawlError(f"the temporary Prefect server exited with code {code}")
            elif _healthy(self.port):
                return
            time.sleep(POLL_SECONDS)
        raise CrawlError(f"the temporary Prefect server did not start within {timeout:.0f} s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def prefect_api() -> Iterator[TemporaryServer | None]:
    """The Prefect API the run uses: the one configured, else a temporary server.

    The temporary server is named in ``PREFECT_API_URL``.  Once a flow has run
    against it, it stops when the interpreter exits, as Prefect's own
    temporary server does: Prefect's log and event workers send their last
    records then, and need it.  If the block ends before any flow ran, it
    stops at once.
    """
    if os.environ.get("PREFECT_API_URL") or _may_be_named_in_files():
        yield None
        return
    server = TemporaryServer()
    os.environ["PREFECT_API_URL"] = server.api_url
    atexit.register(server.stop)
    try:
        yield server
    finally:
        if not server.used:
            atexit.unregister(server.stop)
            os.environ.pop("PREFECT_API_URL", None)
            server.stop()


def _may_be_named_in_files() -> bool:
    """Whether a Prefect settings file may name an API server, read as text.

    Asking Prefect would mean importing it before the server can start (about
    a second of CPU); the files are few and small.  A false alarm costs only
    the head start.
    """
    here = Path.cwd()
    return (
        (here / "prefect.toml").is_file()
        or "PREFECT_" in _text(here / ".env")
        or "[tool.prefect" in _text(here / "pyproject.toml")
        or "PREFECT_API_URL" in _text(_profiles_path())
    )


def _profiles_path() -> Path:
    """Where Prefect keeps its profiles, unless a settings file moves them (then we never ask)."""
    if path := os.environ.get("PREFECT_PROFILES_PATH"):
        return Path(path)
    home = os.environ.get("PREFECT_HOME")
    return Path(home) / "profiles.toml" if home else Path.home() / ".prefect" / "profiles.toml"


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:  # absent or unreadable
        return ""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _launch(port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", "--factory"]
    command += ["prefect.server.api.server:create_app", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--log-level", "error", "--lifespan", "on"]
    return subprocess.Popen(command, env={**os.environ, **SERVER_ENVIRONMENT})


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/api/health")
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()
