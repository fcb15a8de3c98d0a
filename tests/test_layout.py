"""The code's layout keeps its contract (docs/contributing.md): imports go one way, down the layers; no module reaches
into another module's private names; no function body is longer than about 60 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "mufuse"
MAX_BODY = 60

BASE = {"_store", "_kernels", "_errors", "_progress", "_version", "data"}
SHARED = {
    "_io",
    "_format",
    "_validate",
    "_report",
    "_state",
    "_genes",
    "_obs",
    "_compare",
    "_counts",
    "_transforms",
    "_dsb",
    "_align",
    "_chunked",
}
API = {"pp", "tl", "pl", "datasets"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        out[".".join(p for p in parts if p != "__init__")] = path
    return out


def _layer(module: str) -> tuple[int, str]:
    """(rank, package) of a module: base 0, shared 1, public API 2 (per package), entry points 3."""
    top = module.split(".")[0]
    if top in BASE:
        return 0, top
    if top in SHARED:
        return 1, top
    if top in API:
        return 2, top
    return 3, top  # cli, the package's __init__


def _imports(module: str, path: Path) -> list[tuple[str, str, str, int]]:
    """Every import of a mufuse module or name, lazy ones included: (module, name or '', local name, line).

    ``from . import _steps as step`` gives ``("pp._steps", "", "step", line)``; ``from .._obs import labels`` gives
    ``("_obs", "labels", "labels", line)``.
    """
    tree = ast.parse(path.read_text())
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = package[: len(package) - (node.level - 1)]
            target = ".".join([*base, *(node.module.split(".") if node.module else [])])
        elif (node.module or "").startswith("mufuse"):
            target = node.module.removeprefix("mufuse").lstrip(".")
        else:
            continue
        for alias in node.names:
            sub = f"{target}.{alias.name}".strip(".")
            local = alias.asname or alias.name
            out.append((sub, "", local, node.lineno) if sub in MODULES else (target, alias.name, local, node.lineno))
    return out


MODULES = _modules()


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_down_the_layers(module):
    rank, package = _layer(module)
    for target, _, _, line in _imports(module, MODULES[module]):
        t_rank, t_package = _layer(target)
        if target == "" or t_package == package:
            continue  # the package itself (mufuse/__init__), or a module of the same package
        assert t_rank < rank or (t_rank == rank < 2) or rank == 3, (
            f"{module} (line {line}) imports {target}: imports must go down the layers "
            "(entry points → pp/tl/pl/datasets → shared → base), never between two public packages"
        )


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_private_name_crosses_modules(module):
    tree = ast.parse(MODULES[module].read_text())
    aliases = {}  # local name -> mufuse module imported under it
    for target, name, local, line in _imports(module, MODULES[module]):
        if not name:
            aliases[local] = target
            continue
        assert not name.startswith("_") or name == "__version__", (
            f"{module} (line {line}) imports the private name {name} of {target}: make it public there, or move "
            "the helper below both"
        )
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            assert not node.attr.startswith("_"), (
                f"{module} (line {node.lineno}) reaches into {aliases[node.value.id]}.{node.attr}"
            )


def test_no_function_body_longer_than_60_lines():
    long = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                body = node.body
                if isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
                    body = body[1:]  # the docstring does not count
                if body and node.end_lineno - body[0].lineno + 1 > MAX_BODY:
                    long.append(f"{module}.{node.name} ({node.end_lineno - body[0].lineno + 1} lines)")
    assert not long, f"split these into named steps: {', '.join(long)}"


def test_the_layer_tables_name_every_module():
    tops = {m.split(".")[0] for m in MODULES}
    assert tops <= BASE | SHARED | API | {"cli", ""}, f"add to a layer: {tops - (BASE | SHARED | API | {'cli', ''})}"


def test_the_contributors_page_names_every_module():
    """docs/contributing.md is the layout's description: every module of the package is named there, by its path."""
    page = (SRC.parents[1] / "docs" / "contributing.md").read_text()
    missing = []
    for path in MODULES.values():
        rel = path.relative_to(SRC).as_posix()  # "tl/_match.py", "_io.py"
        if not rel.endswith("__init__.py") and not rel.startswith("data/") and f"`{rel}`" not in page:
            missing.append(rel)
    assert not missing, f"name these modules in docs/contributing.md: {', '.join(missing)}"
