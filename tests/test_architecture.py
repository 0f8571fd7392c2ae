"""The layering rules of docs/ARCHITECTURE.md: checked from the source (tests/support/layers.py)
and in fresh interpreters."""

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.layers import check

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"
QT_FREE = ["core", "store", "ml"]
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "shiboken6")


def imported_roots(py: Path) -> set[str]:
    tree = ast.parse(py.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", QT_FREE)
def test_domain_packages_never_import_qt(package):
    offenders = [
        str(py.relative_to(APP))
        for py in (APP / package).rglob("*.py")
        if imported_roots(py) & set(QT_MODULES)
    ]
    assert offenders == []


@pytest.mark.parametrize("package", ["core", "store"])
def test_core_and_store_never_import_torch(package):
    offenders = [
        str(py.relative_to(APP))
        for py in (APP / package).rglob("*.py")
        if imported_roots(py) & {"torch", "segmentation_models_pytorch", "timm", "torchvision"}
    ]
    assert offenders == []


def test_importing_app_is_cheap():
    code = (
        "import sys, app, app.core, app.store, app.cli\n"
        "heavy = [m for m in ('torch', 'PySide6', 'pyqtgraph', 'segmentation_models_pytorch')"
        " if m in sys.modules]\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_store_and_core_work_with_qt_blocked():
    code = (  # noqa: UP031 (the blocked names are a tuple repr)
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in %r: raise ImportError('blocked ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import pkgutil, importlib, app.core, app.store\n"
        "for pkg in (app.core, app.store):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "print('ok')\n"
    ) % (QT_MODULES + ("torch",),)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_the_layer_contracts_hold():
    """ui | cli_cmds > jobs > ml > store > core; no Qt below ui; no SQLAlchemy in core; torch at
    module level only in app/ml; no import cycles, function-local imports included."""
    assert check(ROOT, "app") == []


def _package(tmp_path, files: dict[str, str]) -> Path:
    """A package `app` under tmp_path with the given modules (relative path -> source)."""
    for rel in ["__init__.py", "core/__init__.py", "store/__init__.py", "ml/__init__.py",
                "jobs/__init__.py", "ui/__init__.py", "cli_cmds/__init__.py", *files]:
        path = tmp_path / "app" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(files.get(rel, "")), encoding="utf-8")
    return tmp_path


def test_a_clean_package_passes(tmp_path):
    root = _package(tmp_path, {
        "core/geometry.py": "import numpy as np\n",
        "store/project.py": "import sqlalchemy\nfrom app.core import geometry\n",
        "ml/spec.py": "from app.store.project import x\n",
        "ml/train.py": "import torch\nfrom app.ml.spec import x\n",
        "jobs/fit.py": "from app.ml import spec\ndef run():\n    import torch\n"
                       "    from app.ml import train\n",
        "ui/window.py": "from PySide6 import QtWidgets\nfrom app.jobs import fit\n",
        "cli_cmds/fit.py": "from ..jobs.fit import run\n",
        "cli.py": "def main():\n    from app.ui import window\n    from app.cli_cmds import fit\n",
    })
    assert check(root, "app") == []


@pytest.mark.parametrize(("files", "expected"), [
    ({"core/a.py": "from app.store import b\n", "store/b.py": ""},
     "app/core/a.py:1: core imports app.store.b (store layer)"),
    ({"ml/a.py": "def f():\n    from app.jobs import b\n", "jobs/b.py": ""},
     "app/ml/a.py:2: ml imports app.jobs.b (jobs layer)"),
    ({"ui/a.py": "from app.cli_cmds import b\n", "cli_cmds/b.py": ""},
     "app/ui/a.py:1: ui imports app.cli_cmds.b (cli_cmds layer)"),
    ({"cli_cmds/a.py": "def f():\n    from PySide6 import QtCore\n"},
     "app/cli_cmds/a.py:2: cli_cmds imports Qt (PySide6)"),
    ({"jobs/a.py": "import pyqtgraph\n"}, "app/jobs/a.py:1: jobs imports Qt (pyqtgraph)"),
    ({"core/a.py": "def f():\n    from sqlalchemy import select\n"},
     "app/core/a.py:2: core imports SQLAlchemy (sqlalchemy)"),
    ({"store/a.py": "def f():\n    import torch\n"}, "app/store/a.py:2: store imports torch"),
    ({"jobs/a.py": "import torch.nn as nn\n"},
     "app/jobs/a.py:1: torch.nn imported at module level outside app/ml "
     "(import it inside the function that needs it)"),
    ({"jobs/a.py": "from app.ml import b\n", "ml/b.py": "from app.ml.c import x\n",
      "ml/c.py": "import torch\n"},
     "app/jobs/a.py: importing it imports torch at module level (through app.ml.c)"),
    ({"ml/a.py": "from app.ml.b import x\n",
      "ml/b.py": "def f():\n    from app.ml import c\n",
      "ml/c.py": "from . import a\n"},
     "import cycle (function-local imports count): app.ml.a -> app.ml.b -> app.ml.c -> app.ml.a"),
])
def test_the_checker_finds_a_broken_contract(tmp_path, files, expected):
    """The contract test can fail: each bad snippet, written as a package, is named."""
    assert expected in check(_package(tmp_path, files), "app")


def test_type_checking_imports_are_not_cycles(tmp_path):
    root = _package(tmp_path, {
        "ml/a.py": "from app.ml.b import x\n",
        "ml/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                   "    from app.ml import a\n",
    })
    assert check(root, "app") == []


def test_tests_do_not_import_test_modules():
    """Shared builders live in a conftest or tests/support, never in another test module."""
    offenders = []
    for py in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(py.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            if any(part.startswith("test_") for n in names for part in n.split(".")):
                offenders.append(f"{py.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_ci_runs_the_slow_tests():
    """Slow tests (the crash-safety test) are marked, not skipped: CI's plain `pytest -q` runs
    them, because the default options deselect only the packaging build."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    addopts = options["tool"]["pytest"]["ini_options"]["addopts"]
    assert addopts == "-m 'not packaging'"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "-m pytest -q\n" in ci


def test_a_new_top_level_module_must_be_given_a_layer(tmp_path):
    root = _package(tmp_path, {"extra.py": ""})
    with pytest.raises(ValueError, match="app.extra: no layer"):
        check(root, "app")
