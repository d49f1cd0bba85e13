"""The rooms and the one-way arrows between them, checked on the source, not trusted.

Each module belongs to a room by its import name.  A room may import only
the rooms below it (and itself): the capture core nothing of Prefect or of
the replay site, the viewer nothing but storage and its exports.  The libraries that carry
a room's job are imported in that room only: SQL in storage, S3 in its
objects, WARC in its exports, Scrapy in the spiders, Prefect in the flows.
Storage has rooms of its own, and the rest of the code reaches it through
its public face only.  The module graph has no cycles either.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

GROUND = ("newsarchive.config", "newsarchive.errors", "newsarchive.records")
GROUND += ("newsarchive.identity", "newsarchive.codec")

ROOMS: dict[str, tuple[str, ...]] = {
    "ground": (*GROUND, "newsarchive"),
    "extraction": ("newsarchive.extraction",),
    "spiders": ("newsarchive.spiders",),
    "storage": ("newsarchive.storage",),  # its public face: the archive types
    "storage.results": ("newsarchive.storage.results",),
    "storage.catalog": ("newsarchive.storage.catalog",),
    "storage.objects": ("newsarchive.storage.objects",),
    "storage.reading": ("newsarchive.storage.reading",),
    "storage.filing": ("newsarchive.storage.filing",),
    "storage.export": ("newsarchive.storage.export",),
    "replay": ("newsarchive.replay",),
    "archiving": ("newsarchive.archiving",),
    "flows": ("newsarchive.flows",),
    "web": ("newsarchive.web",),
    "cli": ("newsarchive.cli", "newsarchive.__main__"),
}
"""Room -> the import names that make it up (the longest match decides)."""

STORAGE_INSIDE = {room for room in ROOMS if room.startswith("storage.")} - {"storage.export"}
"""Storage's own rooms: the rest of the code imports :mod:`newsarchive.storage` (and its
exports) instead, so that what storage holds can move without the callers knowing."""

MAY_IMPORT: dict[str, set[str]] = {
    "ground": {"ground"},
    "extraction": {"ground"},
    "spiders": {"ground"},
    "storage.results": {"ground"},
    "storage.catalog": {"ground", "storage.results"},
    "storage.objects": {"ground"},
    "storage.reading": {"ground", "storage.results", "storage.catalog", "storage.objects"},
    "storage.filing": {
        "ground",
        "storage.results",
        "storage.catalog",
        "storage.objects",
        "storage.reading",
    },
    "storage": {
        "ground",
        "storage.results",
        "storage.catalog",
        "storage.objects",
        "storage.reading",
        "storage.filing",
    },
    "storage.export": {"ground", "storage", "storage.results"},
    "replay": {"ground", "spiders"},  # the replica is described by the outlets it stands for
    "archiving": {"ground", "extraction", "spiders", "storage"},
    "flows": {"ground", "extraction", "spiders", "storage", "archiving", "replay"},
    "web": {"ground", "storage", "storage.export"},  # the viewer reads the archive, exports it
    "cli": set(ROOMS) - STORAGE_INSIDE,
}

OWNED: dict[str, set[str]] = {
    "sqlalchemy": {"storage", "storage.catalog", "storage.reading", "storage.filing"},
    "boto3": {"storage.objects"},
    "botocore": {"storage.objects"},
    "alembic": {"storage.catalog"},
    "warcio": {"storage.export"},
    "cdxj_indexer": {"storage.export"},
    "wacz": {"storage.export"},
    "prefect": {"flows"},
    "scrapy": {"spiders"},
    "re2": {"spiders"},
    "twisted": {"spiders"},
    "trafilatura": {"extraction"},
    "fastapi": {"web"},
    "jinja2": {"web"},
    "typer": {"cli"},
}
"""Library -> the rooms that may import it: the room whose job it does."""


def modules() -> dict[str, Path]:
    """Import name -> source file, through pyproject's folder mapping."""
    mapping = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-dir"
    ]
    found = {}
    for name, folder in mapping.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((name, *parts))] = path
    return found


def room_of(module: str) -> str:
    matches = [
        (len(prefix), room)
        for room, prefixes in ROOMS.items()
        for prefix in prefixes
        if module == prefix or module.startswith(f"{prefix}.")
    ]
    assert matches, f"{module} belongs to no room: add it to ROOMS"
    return max(matches)[1]


def imports(path: Path, *, top_level_only: bool = False) -> Iterator[tuple[int, str]]:
    """(line, imported module) of every import in the file; lazy ones too unless told not."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:  # `from newsarchive import codec` imports a module
                submodule = f"{node.module}.{alias.name}"
                yield node.lineno, submodule if submodule in SOURCES else node.module


SOURCES = modules()


@pytest.mark.parametrize("module", sorted(SOURCES))
def test_imports_point_down_the_rooms(module: str) -> None:
    room = room_of(module)
    allowed = MAY_IMPORT[room] | {room}
    upward = [
        f"{SOURCES[module].relative_to(ROOT)}:{line} imports {target} ({room_of(target)})"
        for line, target in imports(SOURCES[module])
        if target in SOURCES and room_of(target) not in allowed
    ]
    assert not upward, f"{room} may import only {sorted(allowed)}:\n" + "\n".join(upward)


@pytest.mark.parametrize("module", sorted(SOURCES))
def test_libraries_are_imported_by_the_rooms_that_own_them(module: str) -> None:
    room = room_of(module)
    strays = [
        f"{SOURCES[module].relative_to(ROOT)}:{line} imports {target} (owned by {sorted(owners)})"
        for line, target in imports(SOURCES[module])
        if (owners := OWNED.get(target.split(".")[0])) is not None and room not in owners
    ]
    assert not strays, "\n".join(strays)


PUBLIC_STORAGE = {"newsarchive.storage", "newsarchive.storage.export"}


@pytest.mark.parametrize(
    "module", sorted(m for m in SOURCES if not room_of(m).startswith("storage"))
)
def test_the_rest_of_the_code_reaches_storage_through_its_public_face(module: str) -> None:
    reached = [
        f"{SOURCES[module].relative_to(ROOT)}:{line} imports {target}"
        for line, target in imports(SOURCES[module])
        if target.startswith("newsarchive.storage.") and target not in PUBLIC_STORAGE
    ]
    assert not reached, f"use {sorted(PUBLIC_STORAGE)} instead:\n" + "\n".join(reached)


def test_the_module_graph_has_no_cycles() -> None:
    graph = {
        module: {t for _, t in imports(path, top_level_only=True) if t in SOURCES and t != module}
        for module, path in SOURCES.items()
    }
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> None:
        if module in trail:
            cycle = [*trail[trail.index(module) :], module]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        if module in done:
            return
        for target in sorted(graph[module]):
            visit(target, [*trail, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
