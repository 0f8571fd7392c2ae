"""The layer contracts of docs/ARCHITECTURE.md, checked from the source (no import is run).

`check(root, package)` reads every module of `package` under `root` with `ast`, and returns the
broken rules as readable lines (empty: all kept). The rules:

- Layers, lowest first: `app` (the package's __init__), core, store, ml, jobs, then ui and
  cli_cmds side by side (neither imports the other), then the entry points (app/cli.py,
  app/__main__.py). app/demo.py builds a project with the jobs, so it sits in the jobs layer.
  A module imports only its own layer and the layers below, whether the import is at module
  level or inside a function (a lazy import is still a dependency).
- No Qt (PySide6, pyqtgraph, ...) below ui: not in core, store, ml, jobs, cli_cmds, the demo or
  the entry points (app/cli.py opens the window through app.ui, lazily).
- No SQLAlchemy in core.
- torch and its family are imported at module level only inside app/ml; elsewhere only inside a
  function. core and store never import them. Transitively too: a module outside app/ml whose
  module-level imports reach a module-level torch import (through app/ml) breaks the rule.
- No import cycles between modules, counting function-local imports: the graph's edges are
  every `import`/`from ... import` of a module of the package, wherever it is written, except
  under `if TYPE_CHECKING:` (never run). `from app.x import y` is an edge to app.x.y when that is a
  module, else to app.x. The implicit import of a parent package by its submodules is not an
  edge (Python runs the parent's __init__ first, whatever the code says).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

QT = frozenset({"PySide6", "PyQt5", "PyQt6", "pyqtgraph", "shiboken6"})
TORCH = frozenset({"torch", "torchvision", "segmentation_models_pytorch", "timm", "onnx",
                   "onnxruntime"})
SQL = frozenset({"sqlalchemy"})

# layer name -> rank; ui and cli_cmds share a rank but may not import each other.
RANKS = {"base": 0, "core": 1, "store": 2, "ml": 3, "jobs": 4, "ui": 5, "cli_cmds": 5,
         "entry": 6}
PEERS = {("ui", "cli_cmds"), ("cli_cmds", "ui")}
TOP_LEVEL = {"demo": "jobs", "cli": "entry", "__main__": "entry"}
NO_QT = {"base", "core", "store", "ml", "jobs", "cli_cmds", "entry"}
NO_TORCH_EVER = {"base", "core", "store"}


@dataclass(frozen=True)
class Import:
    target: str  # a dotted module name (for the package's own modules: resolved to a module)
    line: int
    module_level: bool  # False: inside a function (lazy)
    type_only: bool  # under `if TYPE_CHECKING:`


def modules(root: Path, package: str) -> dict[str, Path]:
    """Dotted name -> file for every module of `package` (root/package/**/*.py)."""
    out = {}
    for py in sorted((root / package).rglob("*.py")):
        parts = list(py.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = py
    return out


def layer_of(name: str, package: str) -> str:
    parts = name.split(".")
    if len(parts) == 1:
        return "base"
    if parts[1] in TOP_LEVEL and len(parts) == 2:
        return TOP_LEVEL[parts[1]]
    if parts[1] in RANKS:
        return parts[1]
    raise ValueError(f"{name}: no layer (add it to tests/support/layers.py and ARCHITECTURE.md)")


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(py: Path, name: str, known: set[str]) -> list[Import]:
    """Every import written in the module `name` (file `py`), with where it is written."""
    tree = ast.parse(py.read_text(encoding="utf-8"), filename=str(py))
    is_package = py.name == "__init__.py"
    out: list[Import] = []

    def resolve_from(node: ast.ImportFrom) -> list[str]:
        if node.level:
            base = name.split(".") if is_package else name.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            mod = ".".join(base + ([node.module] if node.module else []))
        else:
            mod = node.module or ""
        targets = []
        for alias in node.names:
            sub = f"{mod}.{alias.name}"
            targets.append(sub if sub in known else mod)
        return targets

    def visit(node: ast.AST, module_level: bool, type_only: bool) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                out.append(Import(alias.name, node.lineno, module_level, type_only))
            return
        if isinstance(node, ast.ImportFrom):
            for target in dict.fromkeys(resolve_from(node)):
                out.append(Import(target, node.lineno, module_level, type_only))
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            module_level = False
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, module_level, True)
            for child in node.orelse:
                visit(child, module_level, type_only)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, module_level, type_only)

    visit(tree, True, False)
    return out


def graph(root: Path, package: str) -> tuple[dict[str, Path], dict[str, list[Import]]]:
    mods = modules(root, package)
    known = set(mods)
    return mods, {name: imports_of(py, name, known) for name, py in mods.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the directed graph as [a, b, ..., a], or None (iterative DFS, sorted)."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    for start in sorted(edges):
        if state.get(start):
            continue
        stack = [(start, iter(sorted(edges.get(start, ()))))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            for child in children:
                if state.get(child) == 1:
                    return path[path.index(child):] + [child]
                if not state.get(child):
                    state[child] = 1
                    path.append(child)
                    stack.append((child, iter(sorted(edges.get(child, ())))))
                    break
            else:
                state[node] = 2
                path.pop()
                stack.pop()
    return None


def check(root: Path, package: str = "app") -> list[str]:
    """Every broken contract of `package` (under `root`) as one line each; [] when all hold."""
    mods, imports = graph(root, package)
    problems = []
    for name, imps in imports.items():
        layer = layer_of(name, package)
        where = mods[name].relative_to(root).as_posix()
        for imp in imps:
            top = imp.target.split(".")[0]
            at = f"{where}:{imp.line}"
            if top == package:
                if imp.target not in mods:
                    continue  # a name that is not a module of ours (import errors catch it)
                other = layer_of(imp.target, package)
                if (layer, other) in PEERS or RANKS[other] > RANKS[layer]:
                    problems.append(f"{at}: {layer} imports {imp.target} ({other} layer)")
            elif top in QT and layer in NO_QT:
                problems.append(f"{at}: {layer} imports Qt ({imp.target})")
            elif top in SQL and layer == "core":
                problems.append(f"{at}: core imports SQLAlchemy ({imp.target})")
            elif top in TORCH and layer in NO_TORCH_EVER:
                problems.append(f"{at}: {layer} imports {imp.target}")
            elif top in TORCH and layer != "ml" and imp.module_level and not imp.type_only:
                problems.append(f"{at}: {imp.target} imported at module level outside app/ml "
                                "(import it inside the function that needs it)")
    problems += _torch_reached(mods, imports, root, package)
    edges = {name: {i.target for i in imps if i.target in mods and i.target != name
                    and not i.type_only} for name, imps in imports.items()}
    cycle = find_cycle(edges)
    if cycle:
        problems.append("import cycle (function-local imports count): " + " -> ".join(cycle))
    return problems


def _torch_reached(mods, imports, root: Path, package: str) -> list[str]:
    """Modules outside app/ml whose module-level imports reach a module-level torch import."""
    eager = {name: {i.target for i in imps if i.module_level and not i.type_only}
             for name, imps in imports.items()}
    heavy: dict[str, str | None] = {}  # module -> the chain's end that imports torch, or None

    def reach(name: str, seen: frozenset[str]) -> str | None:
        if name in heavy:
            return heavy[name]
        found = None
        for target in sorted(eager[name]):
            if target.split(".")[0] in TORCH:
                found = name
            elif target in mods and target not in seen:
                found = reach(target, seen | {name})
            if found:
                break
        if not seen:  # memoize only complete walks (a cycle could cut a partial one short)
            heavy[name] = found
        return found

    out = []
    for name in sorted(mods):
        if layer_of(name, package) in ("ml", "ui"):
            continue  # the UI imports models lazily by convention; its import is not "cheap"
        culprit = reach(name, frozenset())
        if culprit and culprit != name:
            out.append(f"{mods[name].relative_to(root).as_posix()}: importing it imports torch "
                       f"at module level (through {culprit})")
    return out
