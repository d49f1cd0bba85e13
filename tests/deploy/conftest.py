"""The deploy files, parsed as the tools that read them do, for the checks of tests/deploy/.

Most checks read the files; test_docker_pool.py also builds the image and runs
a Docker work pool, for the behaviour that no reading of the files shows.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.utils import canonicalize_name

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = REPO_ROOT / "deploy"
LOCK = REPO_ROOT / "requirements.lock"
DOCKERFILE = DEPLOY / "Dockerfile"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;]+)")


Instruction = tuple[str, list[str]]
"""A Dockerfile instruction: its word in capitals and its arguments as Docker splits them."""


def dockerfile_instructions() -> list[Instruction]:
    """deploy/Dockerfile's instructions in order, with continuation lines joined."""
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    parsed = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            exec_form = rest.lstrip().startswith("[")  # CMD ["newsarchive", "--help"]
            parsed.append((word.upper(), json.loads(rest) if exec_form else shlex.split(rest)))
    return parsed


def dockerfile_build_args() -> dict[str, str]:
    """The ARGs declared before the first FROM, with their defaults: what every FROM may name."""
    found: dict[str, str] = {}
    for word, args in dockerfile_instructions():
        if word == "FROM":
            break
        if word == "ARG":
            for arg in args:
                name, _, default = arg.partition("=")
                found[name] = default
    return found


def dockerfile_stages() -> list[list[Instruction]]:
    """The instructions of each build stage, in order, each opening with its FROM."""
    found: list[list[Instruction]] = []
    for word, args in dockerfile_instructions():
        if word == "FROM":
            found.append([])
        if found:
            found[-1].append((word, args))
    return found


def copied_sources(stage: list[Instruction]) -> set[str]:
    """The paths of the build context that a stage's COPY instructions read."""
    return {
        src.rstrip("/")
        for word, args in stage
        if word == "COPY" and not any(a.startswith("--from") for a in args)
        for src in args[:-1]
        if not src.startswith("--")
    }


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
    pins: dict[str, str] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            pins[canonicalize_name(match[1])] = match[2]
    assert pins, "requirements.lock pins nothing"
    return pins
