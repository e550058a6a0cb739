"""The package layout shows the run: one folder per stage, each importing only folders below it.

Reads every module of ``ruian_land`` with :mod:`ast` (nothing is imported) and fails on

* an import of a folder above the importer's own (an upward import),
* an import circle between modules,
* a ``ruian_land`` import inside a function (a dodged circle),
* a module over the size limit or one without an explicit ``__all__``,
* code in a package ``__init__`` (it holds a docstring and re-exports only),
* a module reaching into another folder's submodule instead of its package.

See ``docs/ARCHITECTURE.md`` for the diagram this enforces.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "ruian_land"

#: Bottom to top: a unit may import its own modules and any unit listed before it.
LAYERS: tuple[str, ...] = (
    "core",
    "rules",
    "config",
    "io",
    "validate",
    "link",
    "evaluation",
    "screening",
    "control_lines",
    "scenario",
    "trajectory",
    "parks",
    "supervision",
    "maps",
    "export",
    "report",
    "sample",
    "pipeline",
    "monitor",
    "cli",
    "__main__",
    "__init__",
)
MAX_LINES = 600


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    out: dict[str, Path] = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        rel = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _unit(module: str) -> str:
    """The layer a dotted module belongs to ('ruian_land' itself is '__init__')."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not _is_package(module):
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str) -> list[tuple[str, int, bool]]:
    """(imported ruian_land module, line, inside a function) for every import of ``module``."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split(".")[0] == "ruian_land":
                        found.append((alias.name, child.lineno, in_function))
            elif isinstance(child, ast.ImportFrom):
                target = _resolve(module, child)
                if target.split(".")[0] != "ruian_land":
                    continue
                for alias in child.names:
                    sub = f"{target}.{alias.name}"
                    found.append((sub if sub in MODULES else target, child.lineno, in_function))
            visit(child, nested)

    visit(tree, False)
    return found


def _nearest_module(name: str) -> str:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def test_every_folder_is_a_known_layer() -> None:
    units = {_unit(m) for m in MODULES}
    unknown = sorted(units - set(LAYERS))
    assert not unknown, f"add these folders to LAYERS (and docs/ARCHITECTURE.md) in run order: {unknown}"


def test_no_upward_imports() -> None:
    rank = {name: i for i, name in enumerate(LAYERS)}
    bad = []
    for module in MODULES:
        for target, line, _ in _imports(module):
            target = _nearest_module(target)
            if not target:
                continue
            src, dst = _unit(module), _unit(target)
            if src != dst and rank[dst] > rank[src]:
                bad.append(
                    f"{MODULES[module].relative_to(PACKAGE_DIR.parent)}:{line} imports {target} ({dst} is above {src})"
                )
    assert not bad, "upward imports:\n" + "\n".join(bad)


def test_cross_folder_imports_go_through_the_package() -> None:
    bad = []
    for module in MODULES:
        src = _unit(module)
        if src in {"__init__", "__main__"}:
            continue
        for target, line, _ in _imports(module):
            target = _nearest_module(target)
            dst = _unit(target)
            if dst == src or not target:
                continue
            if len(target.split(".")) > 2:
                bad.append(f"{MODULES[module].relative_to(PACKAGE_DIR.parent)}:{line} imports {target}")
    assert not bad, "import another folder's package, not its submodule:\n" + "\n".join(bad)


def test_no_import_circles() -> None:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module in MODULES:
        for target, _, in_function in _imports(module):
            target = _nearest_module(target)
            if target and target != module and not in_function:
                graph[module].add(target)
    # A package imported from outside pulls in its __init__, which imports its submodules; a module
    # importing its own package would be a circle through __init__.
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    cycles: list[list[str]] = []

    def dfs(node: str, stack: list[str]) -> None:
        colour[node] = grey
        stack.append(node)
        for nxt in sorted(graph[node]):
            if colour[nxt] == grey:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif colour[nxt] == white:
                dfs(nxt, stack)
        stack.pop()
        colour[node] = black

    for node in sorted(graph):
        if colour[node] == white:
            dfs(node, [])
    assert not cycles, "import circles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_no_ruian_land_imports_inside_functions() -> None:
    bad = [
        f"{MODULES[m].relative_to(PACKAGE_DIR.parent)}:{line} imports {target}"
        for m in MODULES
        for target, line, in_function in _imports(m)
        if in_function
    ]
    assert not bad, "imports inside functions (restructure instead):\n" + "\n".join(bad)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_is_small_and_declares_all(module: str) -> None:
    path = MODULES[module]
    source = path.read_text(encoding="utf-8")
    n_lines = source.count("\n")
    assert n_lines <= MAX_LINES, f"{path.name}: {n_lines} lines; split it by concept"
    tree = ast.parse(source)
    names = {
        t.id
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(t, ast.Name)
    }
    if path.name != "__main__.py":
        assert "__all__" in names, f"{path}: declare __all__"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _is_package(m)))
def test_package_init_holds_only_reexports(module: str) -> None:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    allowed = (ast.Import, ast.ImportFrom, ast.Expr, ast.Assign, ast.AnnAssign)
    bad = []
    for node in tree.body:
        if not isinstance(node, allowed):
            bad.append(f"line {node.lineno}: {type(node).__name__}")
        elif isinstance(node, ast.Expr) and not isinstance(node.value, ast.Constant):
            bad.append(f"line {node.lineno}: expression")
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if not all(isinstance(t, ast.Name) and t.id in {"__all__", "__version__"} for t in targets):
                bad.append(f"line {node.lineno}: assignment")
    assert not bad, f"{MODULES[module]}: an __init__ holds a docstring and re-exports only: {bad}"
