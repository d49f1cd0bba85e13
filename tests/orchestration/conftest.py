"""A real Prefect API server for the session, a Prefect client for each test, and Chromium.

The orchestration tests exercise what an operator runs (``prefect server
start``, ``newsarchive serve``, ``prefect worker start``, the CLI), each as
its own process talking HTTP to the server; see prefect_harness.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from prefect_harness import (
    BIN,
    PrefectServer,
    free_port,
    log_tail,
    start_process,
    stop_process,
)

SERVER_START_TIMEOUT = 120.0


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    """``prefect server start`` on a free loopback port with its own SQLite database.

    The scheduler service is off: deployments keep their cron schedules, but
    the clock creates no run while a test runs, so each test sees only the
    runs it started, and no test ever crawls a live outlet on a cron tick.
    """
    home = tmp_path_factory.mktemp("prefect")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = PrefectServer(url=url, home=home, log=home / "server.log")
    env = server.client_env(
        {
            "PREFECT_HOME": str(home / "server"),
            "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
            "PREFECT_UI_API_URL": server.api_url,
            "PREFECT_UI_URL": url,
        }
    )
    del env["PREFECT_API_URL"]  # the server is nobody's client
    args = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    process = start_process([*args, "--no-scheduler", "--analytics-off"], env, server.log)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not server.healthy():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"prefect server did not start:\n{log_tail(server.log)}")
            time.sleep(0.5)
        yield server
    finally:
        stop_process(process)


@pytest.fixture
def prefect_api(prefect_server: PrefectServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point this test's own Prefect client at the session server; returns the API URL."""
    from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings

    client_home = prefect_server.home / "client"
    client_home.mkdir(exist_ok=True)
    monkeypatch.setenv("PREFECT_API_URL", prefect_server.api_url)
    monkeypatch.setenv("PREFECT_HOME", str(client_home))
    with temporary_settings(
        updates={PREFECT_API_URL: prefect_server.api_url, PREFECT_HOME: client_home}
    ):
        yield prefect_server.api_url
