"""The Dockerfile ships every folder pyproject maps into the package, and runs what it is given.

test_docker_pool.py builds it and runs it; these checks say what went wrong
in a few milliseconds, and hold the parts that build does not exercise (the
default base image, which this machine cannot pull).
"""

from __future__ import annotations

from typing import Any

from conftest import (
    DOCKERFILE,
    copied_sources,
    dockerfile_build_args,
    dockerfile_stages,
)

PIP_SOURCES = {"PIP_INDEX_URL", "PIP_FIND_LINKS", "PIP_NO_INDEX"}


def test_the_build_stage_copies_every_package_dir_and_what_the_build_reads(
    pyproject: dict[str, Any],
) -> None:
    build = dockerfile_stages()[0]
    copied = copied_sources(build)
    package_dirs = set(pyproject["tool"]["setuptools"]["package-dir"].values())
    assert package_dirs, "pyproject.toml maps no package dirs"
    needed = package_dirs | {"pyproject.toml", "setup.py", pyproject["project"]["readme"]}
    assert needed <= copied, f"the build stage does not COPY {sorted(needed - copied)}"
    for path in needed:
        assert (DOCKERFILE.parents[1] / path).exists(), f"{path} does not exist"
    assert any("pip wheel" in " ".join(args) for word, args in build if word == "RUN")


def test_the_image_installs_the_wheel_and_no_source_tree() -> None:
    final = dockerfile_stages()[-1]
    runs = " ".join(" ".join(args) for word, args in final if word == "RUN")
    assert "pip install" in runs and ".whl" in runs
    assert " -e " not in f" {runs} " and "--editable" not in runs
    sources = {"newsarchive", "spiders", "storage", "flows", "tests/fixtures"}
    assert not copied_sources(final) & sources


def test_compose_deploys_the_prefect_file_the_image_carries(compose: dict[str, Any]) -> None:
    final = dockerfile_stages()[-1]
    carried = [
        args[-1] for word, args in final if word == "COPY" and args[-2].endswith("prefect.yaml")
    ]
    deployer = compose["services"]["deployer"]
    entrypoint = deployer["entrypoint"]
    assert entrypoint[entrypoint.index("--prefect-file") + 1] in carried


def test_a_container_runs_the_command_it_is_given() -> None:
    """No ENTRYPOINT: Docker and Kubernetes workers give ``prefect flow-run execute`` as the
    container's command (Docker's Cmd, a Job's args), which an ENTRYPOINT would take as its
    arguments: ``newsarchive prefect flow-run execute`` failed every run."""
    final = dockerfile_stages()[-1]
    assert not [args for word, args in final if word == "ENTRYPOINT"]
    (cmd,) = [args for word, args in final if word == "CMD"]
    assert cmd[0] == "newsarchive", cmd


def test_both_stages_build_on_one_base_image_that_a_build_argument_replaces() -> None:
    """An offline build swaps the base of both stages at once (the wheel is built where it runs)."""
    bases = {stage[0][1][0] for stage in dockerfile_stages()}
    assert bases == {"${BASE_IMAGE}"}, bases
    assert dockerfile_build_args()["BASE_IMAGE"], "BASE_IMAGE has no default"


def test_every_stage_that_runs_pip_takes_pip_s_sources_as_build_arguments() -> None:
    """A build argument reaches only the stages that declare it; one stage left out would
    reach for the package index in an offline build."""
    for stage in dockerfile_stages():
        if any("pip " in " ".join(args) for word, args in stage if word == "RUN"):
            declared = {a.partition("=")[0] for word, args in stage if word == "ARG" for a in args}
            assert declared >= PIP_SOURCES, f"{stage[0]}: no ARG {sorted(PIP_SOURCES - declared)}"
