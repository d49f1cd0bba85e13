"""Packages are discovered, never listed by hand.

``pyproject.toml`` maps the room folders ``spiders/``, ``storage/`` and
``flows/`` into the ``newsarchive`` package (``[tool.setuptools.package-dir]``);
setuptools' own discovery cannot follow such a mapping, so this file walks
each mapped folder and names every package it finds (every directory with an
``__init__.py``).  A new subpackage is in the wheel without anyone listing it.
"""

import tomllib
from pathlib import Path

from setuptools import find_packages, setup

ROOT = Path(__file__).resolve().parent
ROOMS: dict[str, str] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
    "tool"
]["setuptools"]["package-dir"]

setup(
    packages=[
        package
        for name, folder in ROOMS.items()
        for package in [name, *(f"{name}.{sub}" for sub in find_packages(str(ROOT / folder)))]
    ]
)
