"""The layering rules of docs/ARCHITECTURE.md, checked in fresh interpreters."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app"
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
