"""The project's structure holds: Discord stays in its adapters, every dependency is locked, the README's layout
section matches the tree."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
DISCORD_FREE = (
    "questions",
    "bot/engine",
    "bot/storage",
    "bot/scoring.py",
    "bot/limits.py",
    "bot/choices.py",
    "bot/packs.py",
)
"""Code that must never import discord: the rules, the storage and the question generation."""


def _python_files(where: str) -> list[Path]:
    path = ROOT / where
    if path.suffix == ".py":
        return [path] if path.exists() else []
    return sorted(path.rglob("*.py"))


def _imports_discord(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        if any(name == "discord" or name.startswith("discord.") for name in names):
            return True
    return False


def test_the_engine_storage_and_questions_never_import_discord_and_ruff_would_say_so() -> None:
    offenders = [
        str(p.relative_to(ROOT)) for where in DISCORD_FREE for p in _python_files(where) if _imports_discord(p)
    ]
    assert offenders == []
    # The ruff ban (TID251) is lifted only for the Discord adapters, by file, never for a whole package of rules.
    ignores = PYPROJECT["tool"]["ruff"]["lint"]["per-file-ignores"]
    exempt = [glob for glob, rules in ignores.items() if "TID251" in rules]
    for glob in exempt:
        assert not glob.startswith(("questions", "bot/engine", "bot/storage", "bot/*", "bot/**")), glob
        assert not glob.startswith(("bot/scoring", "bot/limits", "bot/choices")), glob
    assert "bot/**" not in exempt


def test_every_dependency_is_pinned_in_the_lock_file_and_the_tools_exactly() -> None:
    project = PYPROJECT["project"]
    declared = [Requirement(r) for r in project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        declared += [Requirement(r) for r in extra]
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pinned = {canonicalize_name(m[1]): m[2] for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", lock, re.M)}
    missing = []
    for requirement in declared:
        name = canonicalize_name(requirement.name)
        if name == canonicalize_name(project["name"]):
            continue  # the project's own extras
        if name not in pinned or not requirement.specifier.contains(pinned[name], prereleases=True):
            missing.append(str(requirement))
    assert missing == [], f"refresh requirements.lock (README → Development): {missing}"
    tools = {canonicalize_name(r.name): str(r.specifier) for r in declared}
    for tool in map(canonicalize_name, ("ruff", "mypy")):
        assert tools[tool].startswith("=="), f"{tool} must be pinned exactly, not {tools[tool]}"
        assert tools[tool] == f"=={pinned[tool]}"


def _layout_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Layout\n+```\n(.*?)^```", readme, re.M | re.S)
    assert match is not None, "README.md has no Layout section with a code block"
    return match[1]


def test_the_readme_layout_names_every_package_and_only_what_exists() -> None:
    # Each entry starts a line: "path/  what it holds", or "a.py, b.py  what they hold".
    named: set[str] = set()
    for line in _layout_block().splitlines():
        for word in line.split() if line and not line[0].isspace() else []:
            if not re.fullmatch(r"[\w/]+(/|\.py),?", word):
                break
            named.add(word.rstrip(","))
    assert len(named) > 5, named
    for path in named:
        assert (ROOT / path).exists(), f"README's layout names {path}, which does not exist"
    # Every package says what it holds, itself or through what it holds (bot/ is told module by module).
    for package in [p.parent for p in ROOT.glob("*/__init__.py")] + [p.parent for p in ROOT.glob("bot/*/__init__.py")]:
        relative = f"{package.relative_to(ROOT)}/"
        assert any(path.startswith(relative) for path in named), f"README's layout does not say what {relative} holds"
    for package in ROOT.glob("bot/*/__init__.py"):
        relative = f"{package.parent.relative_to(ROOT)}/"
        assert relative in named, f"README's layout does not say what {relative} holds"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports_at_load(path: Path) -> set[str]:
    """Return the project modules a module imports when it is loaded (not under TYPE_CHECKING, not in functions)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def test_the_views_know_the_cogs_only_through_protocols_and_bot_has_no_import_cycle() -> None:
    modules = {_module_name(path): path for path in sorted((ROOT / "bot").rglob("*.py"))}
    graph = {name: {m for m in _imports_at_load(path) if m in modules and m != name} for name, path in modules.items()}
    views_source = (ROOT / "bot" / "views.py").read_text(encoding="utf-8")
    assert "bot.cogs" not in views_source and "get_cog" not in views_source
    # No cycle among the modules as they load (a cycle through TYPE_CHECKING or a function body is harmless).
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for imported in sorted(graph[name]):
            assert state.get(imported) != 1, "import cycle: " + " -> ".join([*trail, name, imported])
            if imported not in state:
                visit(imported, [*trail, name])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
