"""The rooms and the one-way arrows between them, checked on the source, not trusted.

Each module belongs to a room by its import name.  A room may import only
the rooms below it (and itself), and some rooms must stay free of the
libraries another room owns: storage knows nothing of Scrapy or Prefect, the
crawl nothing of SQLAlchemy, the capture core nothing of Prefect or of the
replay site.  The module graph has no cycles either.
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
    "storage": ("newsarchive.storage",),
    "replay": ("newsarchive.replay",),
    "archiving": ("newsarchive.archiving",),
    "flows": ("newsarchive.flows",),
    "web": ("newsarchive.web",),
    "cli": ("newsarchive.cli", "newsarchive.__main__"),
}
"""Room -> the import names that make it up (the longest match decides)."""

MAY_IMPORT: dict[str, set[str]] = {
    "ground": {"ground"},
    "extraction": {"ground"},
    "spiders": {"ground"},
    "storage": {"ground"},
    "replay": {"ground", "spiders"},  # the replica is described by the outlets it stands for
    "archiving": {"ground", "extraction", "spiders", "storage"},
    "flows": {"ground", "extraction", "spiders", "storage", "archiving", "replay"},
    "web": {"ground", "storage"},  # the viewer reads the archive, nothing else
    "cli": set(ROOMS),
}

MUST_NOT_USE: dict[str, set[str]] = {
    "ground": {"scrapy", "twisted", "sqlalchemy", "alembic", "boto3", "prefect", "trafilatura"},
    "extraction": {"scrapy", "twisted", "sqlalchemy", "boto3", "prefect"},
    "spiders": {"sqlalchemy", "alembic", "boto3", "botocore", "prefect"},
    "storage": {"scrapy", "twisted", "prefect", "trafilatura"},
    "replay": {"sqlalchemy", "boto3", "prefect"},
    "archiving": {"prefect"},
    "web": {"scrapy", "twisted", "prefect", "trafilatura", "sqlalchemy", "boto3"},
}


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


@pytest.mark.parametrize("module", sorted(m for m in SOURCES if room_of(m) in MUST_NOT_USE))
def test_rooms_stay_free_of_the_libraries_other_rooms_own(module: str) -> None:
    banned = MUST_NOT_USE[room_of(module)]
    used = [
        f"{SOURCES[module].relative_to(ROOT)}:{line} imports {target}"
        for line, target in imports(SOURCES[module])
        if target.split(".")[0] in banned
    ]
    assert not used, "\n".join(used)


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
