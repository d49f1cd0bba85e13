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


COMPOSE_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:[-?])(?P<arg>[^}]*))?\}|\$\$")


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's variable syntax: ``${VAR}``, ``${VAR:-default}``, ``${VAR:?error}``, ``$$``.

    Raises KeyError naming the variable where compose would refuse to start.
    """

    def value(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match["name"], match["op"], match["arg"]
        if env.get(name):
            return env[name]
        if op == ":?":
            raise KeyError(f"{name}: {arg}")
        return arg if op == ":-" else ""

    return COMPOSE_VARIABLE.sub(value, text)


def example_env() -> dict[str, str]:
    """deploy/env.example with a made-up value for each secret it lists."""
    names = re.findall(r"^#?\s*(\w+)=", (DEPLOY / "env.example").read_text(), re.MULTILINE)
    return {name: f"test-{name.lower()}" for name in names if name != "PUBLISH_ADDRESS"}


def compose_with(env: dict[str, str]) -> dict[str, Any]:
    text = (DEPLOY / "docker-compose.yml").read_text(encoding="utf-8")
    document = yaml.safe_load(interpolate(text, env))
    assert isinstance(document, dict), "docker-compose.yml is not a YAML mapping"
    return document


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    """deploy/docker-compose.yml as Docker Compose reads it with deploy/.env made of
    env.example's names (YAML with anchors and merges, variables interpolated)."""
    return compose_with(example_env())


@pytest.fixture(scope="session")
def raw_compose() -> dict[str, Any]:
    """The compose file as written, before any variable is filled in."""
    document = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(document, dict)
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
