"""The deploy files, parsed once: they are checked here because Docker cannot run in the suite."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.utils import canonicalize_name

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = REPO_ROOT / "deploy"
LOCK = REPO_ROOT / "requirements.lock"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;]+)")


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    """deploy/docker-compose.yml as Docker Compose reads it (YAML with anchors and merges)."""
    document = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(document, dict), "docker-compose.yml is not a YAML mapping"
    return document


@pytest.fixture(scope="session")
def prefect_yaml() -> dict[str, Any]:
    """deploy/prefect.yaml as ``prefect deploy`` reads it (PyYAML's safe loader)."""
    document = yaml.safe_load((DEPLOY / "prefect.yaml").read_text(encoding="utf-8"))
    assert isinstance(document, dict), "prefect.yaml is not a YAML mapping"
    return document


@pytest.fixture(scope="session")
def pyproject() -> dict[str, Any]:
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def lock_pins() -> dict[str, str]:
    """requirements.lock as {canonical distribution name: pinned version}."""
    pins = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            pins[canonicalize_name(match[1])] = match[2]
    assert pins, "requirements.lock pins nothing"
    return pins
