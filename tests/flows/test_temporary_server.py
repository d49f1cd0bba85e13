"""Which Prefect API a crawl uses: a configured server wherever Prefect would read it from.

``tests/orchestration`` runs a crawl against a server named in a profile;
here each other place is checked, without a server: the command starts its
own temporary server only where Prefect's settings name none.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from newsarchive.flows.temporary_server import prefect_api

NAMED = "http://127.0.0.1:4200/api"
SETTINGS_FILES = {
    ".env": f"PREFECT_API_URL={NAMED}\n",
    "prefect.toml": f'[api]\nurl = "{NAMED}"\n',
    "pyproject.toml": f'[project]\nname = "ops"\n\n[tool.prefect.api]\nurl = "{NAMED}"\n',
}


@pytest.fixture(autouse=True)
def _no_prefect_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [name for name in os.environ if name.startswith("PREFECT_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect-home"))


@pytest.mark.parametrize("name", sorted(SETTINGS_FILES))
def test_a_server_named_in_a_settings_file_is_left_to_prefect(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text(SETTINGS_FILES[name], encoding="utf-8")
    with prefect_api() as server:
        assert server is None
        assert "PREFECT_API_URL" not in os.environ


def test_a_server_named_in_the_profiles_is_left_to_prefect(tmp_path: Path) -> None:
    home = tmp_path / "prefect-home"
    home.mkdir()
    (home / "profiles.toml").write_text(
        f'active = "ops"\n\n[profiles.ops]\nPREFECT_API_URL = "{NAMED}"\n', encoding="utf-8"
    )
    with prefect_api() as server:
        assert server is None


def test_without_a_named_server_the_command_starts_its_own(tmp_path: Path) -> None:
    """A project's own pyproject.toml and a profile naming no server change nothing."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "ops"\n', encoding="utf-8")
    home = tmp_path / "prefect-home"
    home.mkdir()
    (home / "profiles.toml").write_text(
        'active = "ops"\n\n[profiles.ops]\nPREFECT_LOGGING_LEVEL = "INFO"\n', encoding="utf-8"
    )
    with prefect_api() as server:
        assert server is not None
        assert os.environ["PREFECT_API_URL"] == server.api_url
    assert server.process.poll() is not None  # stopped at once: no flow ran against it
    assert "PREFECT_API_URL" not in os.environ
