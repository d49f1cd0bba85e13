"""One source of versions: requirements.lock, which the images and this environment agree with.

An unpinned install once broke the suite on a day a new Prefect came out,
while the compose stack still ran the old server image.  These checks make
every place that names a version answer to the lock, so moving a version
means moving the lock, and everything else follows or fails here.
"""

from __future__ import annotations

import importlib.metadata
import re
import shlex
from pathlib import Path
from string import Template
from typing import Any

import pytest
from conftest import dockerfile_build_args, dockerfile_instructions, dockerfile_stages
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCKED_PYTHON = "3.11"


def test_lock_was_made_for_python_3_11_on_linux() -> None:
    header = (REPO_ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()[:3]
    command = next(line for line in header if "pip compile" in line)
    assert f"--python-version {LOCKED_PYTHON}" in command
    assert "--python-platform linux" in command
    assert "--extra test" in command


def test_lock_covers_every_declared_requirement(
    pyproject: dict[str, Any], lock_pins: dict[str, str]
) -> None:
    """A dependency added to pyproject.toml without moving the lock fails here.

    Every extra counts: the lock is made with ``--extra test``, and the test
    extra names newsarchive's other extras (``newsarchive[docker]``), so that
    one lock pins them all.  That self-reference is itself checked by way of
    the extra it names.
    """
    project = pyproject["project"]
    extras = project["optional-dependencies"]
    declared = [*project["dependencies"], *(line for lines in extras.values() for line in lines)]
    for line in declared:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        if name == project["name"]:
            assert requirement.extras <= set(extras), f"{line} names no extra of pyproject"
            continue
        assert name in lock_pins, f"{name} is declared but not locked: run the lock command"
        assert requirement.specifier.contains(lock_pins[name], prereleases=True), (
            f"the lock pins {name}=={lock_pins[name]}, outside pyproject's {requirement}"
        )


def test_this_environment_was_installed_from_the_lock(lock_pins: dict[str, str]) -> None:
    """The suite judges the locked versions, not whatever the registry served today."""
    drifted = {}
    for dist in importlib.metadata.distributions():
        name = canonicalize_name(dist.metadata["Name"])
        if name in lock_pins and dist.version != lock_pins[name]:
            drifted[name] = f"installed {dist.version}, locked {lock_pins[name]}"
    assert not drifted, f"install with `pip install -c requirements.lock ...`: {drifted}"


def test_compose_runs_the_locked_prefect_server(
    compose: dict[str, Any], lock_pins: dict[str, str]
) -> None:
    image = compose["services"]["prefect-server"]["image"]
    assert image == f"prefecthq/prefect:{lock_pins['prefect']}-python{LOCKED_PYTHON}"


def test_prefect_yaml_names_the_locked_prefect(
    prefect_yaml: dict[str, Any], lock_pins: dict[str, str]
) -> None:
    assert str(prefect_yaml["prefect-version"]) == lock_pins["prefect"]


def test_worker_image_installs_from_the_lock_on_the_locked_python() -> None:
    build_args = dockerfile_build_args()
    bases = {Template(stage[0][1][0]).substitute(build_args) for stage in dockerfile_stages()}
    assert bases and all(
        re.fullmatch(rf"python:{LOCKED_PYTHON}(-[a-z]+)?", base) for base in bases
    ), bases
    instructions = dockerfile_instructions()
    copied = " ".join(" ".join(args) for word, args in instructions if word == "COPY")
    assert "requirements.lock" in copied, "the image does not copy the lock"
    installs = [" ".join(args) for word, args in instructions if "pip install" in " ".join(args)]
    assert installs, "the Dockerfile installs nothing"
    for line in installs:
        words = shlex.split(line.split("pip install", 1)[1].split("&&", 1)[0])
        constraint = next(
            (words[i + 1] for i, w in enumerate(words[:-1]) if w in {"-c", "--constraint"}), None
        )
        assert constraint is not None and constraint.endswith("requirements.lock"), line


@pytest.mark.parametrize("service", ["postgres", "minio", "minio-init", "prefect-server"])
def test_third_party_images_carry_a_fixed_tag(compose: dict[str, Any], service: str) -> None:
    image = str(compose["services"][service]["image"])
    repository, _, tag = image.rpartition(":")
    assert repository and tag and "/" not in tag, f"{service}: {image} has no tag"
    assert tag != "latest" and re.search(r"\d", tag), f"{service}: {image} is not pinned"


@pytest.mark.parametrize("service", ["worker", "deployer"])
def test_newsarchive_waits_for_a_healthy_prefect_server(
    compose: dict[str, Any], service: str
) -> None:
    services = compose["services"]
    assert services["prefect-server"].get("healthcheck", {}).get("test"), "no healthcheck"
    depends = services[service]["depends_on"]
    assert isinstance(depends, dict), f"{service}: depends_on has no conditions"
    assert depends["prefect-server"] == {"condition": "service_healthy"}


def test_every_prefect_image_named_in_deploy_is_the_locked_one(lock_pins: dict[str, str]) -> None:
    """The Kubernetes notes and any other file name images too; none may lag behind."""
    named = {
        (path.name, version)
        for path in (REPO_ROOT / "deploy").rglob("*")
        if path.is_file()
        for version in re.findall(
            r"(?:prefecthq/prefect:|prefectTag:\s*)(\d+\.\d+\.\d+)", path.read_text("utf-8")
        )
    }
    assert named, "no Prefect image is named in deploy/"
    assert {version for _, version in named} == {lock_pins["prefect"]}, named


def test_readme_commands_install_from_the_lock_and_ci_runs_the_test_line() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```sh\n(.+)\n```", readme)[:2]
    assert len(commands) == 2, "the README does not open with its two command lines"
    main_job, tests = commands
    assert main_job.startswith("python3 -m venv .venv && "), main_job
    assert "pip install -q -c requirements.lock " in main_job, main_job
    assert tests == "scripts/test", tests
    script = (REPO_ROOT / "scripts" / "test").read_text(encoding="utf-8").splitlines()
    assert "python3 -m venv .venv" in script
    assert ".venv/bin/pip install -q -c requirements.lock -e '.[test]'" in script
    assert 'exec .venv/bin/python -m pytest "$@"' in script
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/test" in ci.splitlines(), ".ci/run does not run the README's test line"
