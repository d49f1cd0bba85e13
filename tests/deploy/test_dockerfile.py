"""The Dockerfile ships every folder pyproject maps into the package, and says where it is."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

DOCKERFILE = Path(__file__).resolve().parents[2] / "deploy" / "Dockerfile"


def instructions() -> list[tuple[str, list[str]]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined."""
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    parsed = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            parsed.append((word.upper(), shlex.split(rest)))
    return parsed


def copied_sources() -> set[str]:
    return {
        src.rstrip("/")
        for word, args in instructions()
        if word == "COPY"
        for src in args[:-1]
        if not src.startswith("--")
    }


def test_copies_every_package_dir_of_pyproject(pyproject: dict[str, Any]) -> None:
    package_dirs = set(pyproject["tool"]["setuptools"]["package-dir"].values())
    assert package_dirs, "pyproject.toml maps no package dirs"
    missing = package_dirs - copied_sources()
    assert not missing, f"Dockerfile does not COPY {sorted(missing)}"


def test_copies_what_pip_install_and_prefect_deploy_read(pyproject: dict[str, Any]) -> None:
    repo = DOCKERFILE.parents[1]
    needed = {"pyproject.toml", pyproject["project"]["readme"], "deploy"}
    assert needed <= copied_sources()
    for path in needed:
        assert (repo / path).exists(), f"the Dockerfile copies {path}, which does not exist"


def test_newsarchive_src_is_the_workdir() -> None:
    """prefect.yaml's pull step changes into $NEWSARCHIVE_SRC: it must be where the code is."""
    workdirs = [args[0] for word, args in instructions() if word == "WORKDIR"]
    env: dict[str, str] = {}
    for word, args in instructions():
        if word == "ENV":
            env.update(arg.partition("=")[::2] for arg in args if "=" in arg)
    assert workdirs, "the Dockerfile sets no WORKDIR"
    assert env.get("NEWSARCHIVE_SRC") == workdirs[-1]


def test_compose_services_agree_with_the_image(compose: dict[str, Any]) -> None:
    workdir = [args[0] for word, args in instructions() if word == "WORKDIR"][-1]
    services = compose["services"]
    assert services["worker"]["environment"]["NEWSARCHIVE_SRC"] == workdir
    assert services["deployer"]["working_dir"] == workdir
