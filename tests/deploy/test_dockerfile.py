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


def stages() -> list[list[tuple[str, list[str]]]]:
    """The instructions of each build stage, in order."""
    found: list[list[tuple[str, list[str]]]] = []
    for word, args in instructions():
        if word == "FROM":
            found.append([])
        found[-1].append((word, args))
    return found


def test_the_build_stage_copies_every_package_dir_and_what_the_build_reads(
    pyproject: dict[str, Any],
) -> None:
    build = stages()[0]
    copied = {src.rstrip("/") for word, args in build if word == "COPY" for src in args[:-1]}
    package_dirs = set(pyproject["tool"]["setuptools"]["package-dir"].values())
    assert package_dirs, "pyproject.toml maps no package dirs"
    needed = package_dirs | {"pyproject.toml", "setup.py", pyproject["project"]["readme"]}
    assert needed <= copied, f"the build stage does not COPY {sorted(needed - copied)}"
    for path in needed:
        assert (DOCKERFILE.parents[1] / path).exists(), f"{path} does not exist"
    assert any("pip wheel" in " ".join(args) for word, args in build if word == "RUN")


def test_the_image_installs_the_wheel_and_no_source_tree() -> None:
    final = stages()[-1]
    runs = " ".join(" ".join(args) for word, args in final if word == "RUN")
    assert "pip install" in runs and ".whl" in runs
    assert " -e " not in f" {runs} " and "--editable" not in runs
    copied = {args[-2] for word, args in final if word == "COPY"}
    assert not copied & {"newsarchive", "spiders", "storage", "flows", "tests/fixtures"}


def test_compose_deploys_the_prefect_file_the_image_carries(compose: dict[str, Any]) -> None:
    final = stages()[-1]
    carried = [
        args[-1] for word, args in final if word == "COPY" and args[-2].endswith("prefect.yaml")
    ]
    deployer = compose["services"]["deployer"]
    entrypoint = deployer["entrypoint"]
    assert entrypoint[entrypoint.index("--prefect-file") + 1] in carried
