"""The package as users install it: a wheel that holds every room and runs the replay.

Editable installs hide packaging mistakes (a subpackage missing from the
wheel, data read from the checkout), so these tests build the wheel, look
inside it, and install it into a new virtual environment without the
checkout on its path.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def room_packages() -> set[str]:
    """Every package of the source tree, by the import name the mapping gives it."""
    mapping = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-dir"
    ]
    packages = set()
    for name, folder in mapping.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder).parts
            packages.add(".".join((name, *relative)))
    return packages


def test_the_wheel_holds_every_package_and_the_replay_site(built_wheel: Path) -> None:
    names = set(zipfile.ZipFile(built_wheel).namelist())
    shipped = {n.rsplit("/", 1)[0].replace("/", ".") for n in names if n.endswith("__init__.py")}
    assert room_packages() <= shipped, room_packages() - shipped
    fixtures = {n for n in names if n.startswith("newsarchive/replay/fixtures/")}
    source = {
        str(p.relative_to(ROOT / "newsarchive").as_posix())
        for p in (ROOT / "newsarchive" / "replay" / "fixtures").rglob("*")
        if p.is_file()
    }
    assert {n.removeprefix("newsarchive/") for n in fixtures} == source
    assert "newsarchive/spiders/outlets.toml" in names
    assert "newsarchive/storage/catalog/migrations/script.py.mako" in names
    viewer = ROOT / "newsarchive" / "web"
    for folder in ("templates", "static"):  # the viewer's pages and stylesheet
        shipped_files = {n for n in names if n.startswith(f"newsarchive/web/{folder}/")}
        expected = {
            f"newsarchive/web/{p.relative_to(viewer).as_posix()}"
            for p in (viewer / folder).iterdir()
        }
        assert shipped_files == expected


@pytest.fixture(scope="module")
def wheel_venv(built_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with the wheel installed and nothing of the checkout.

    Its own pip installs the wheel first, seeing nothing but the new
    environment.  The dependencies are then this environment's, by a path
    entry to its site-packages (not a site directory, so the editable
    install's finder there is never loaded): installing them again would
    only test pip.
    """
    venv = tmp_path_factory.mktemp("wheel-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
         str(built_wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (target,) = venv.glob("lib/python*/site-packages")
    (target / "dependencies.pth").write_text(
        "\n".join(p for p in site.getsitepackages() if "site-packages" in p) + "\n"
    )
    return venv


def run_installed(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PYTHONPATH"))}
    env |= {"PREFECT_HOME": str(cwd / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    return subprocess.run(
        [str(venv / "bin" / "python"), "-m", "newsarchive", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_installed_package_comes_from_the_wheel(wheel_venv: Path, tmp_path: Path) -> None:
    probe = subprocess.run(
        [str(wheel_venv / "bin" / "python"), "-c",
         "import newsarchive.replay.pages as p, newsarchive.flows.crawl; print(p.__file__)"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert probe.stdout.startswith(str(wheel_venv)), probe.stdout


@pytest.mark.prefect
def test_a_wheel_install_runs_the_replay_from_any_directory(
    wheel_venv: Path, tmp_path: Path
) -> None:
    crawl = run_installed(wheel_venv, "crawl", "--replay", "--json", cwd=tmp_path)
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    rows = [json.loads(line) for line in crawl.stdout.splitlines()]
    assert [row["outlet"] for row in rows] == ["joongang", "sputnik", "vanguard", "kcnawatch"]
    assert all(row["new"] >= 1 for row in rows)
    listing = run_installed(wheel_venv, "list", "--json", cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert len(listing.stdout.splitlines()) == sum(row["new"] for row in rows)
