"""Checks that a frozen build has what the app loads lazily; run by launcher.py.

    DEFECT_STUDIO_SELFTEST=1 QT_QPA_PLATFORM=offscreen dist/defect-studio/defect-studio

Prints one line per check ("ok NAME: detail" or "FAIL NAME: error") and returns 1 if any failed.
The checks touch what PyInstaller cannot see from the entry script: the installed metadata
(version), app/resources, the Qt plugins, the workspaces imported by name, SQLite through
SQLAlchemy, and torch + segmentation-models-pytorch (with the torchvision fix of app.ml.compat).
Run it with HOME (or XDG_*_HOME / APPDATA) pointing at a scratch folder: the window writes its
settings and builds the demo project there.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path


def check_version() -> str:
    from app.cli import version

    v = version()
    if v.startswith("unknown"):
        raise RuntimeError("no installed metadata for defect-studio (copy_metadata missing?)")
    return v


def check_qt() -> str:
    from PySide6.QtCore import qVersion
    from PySide6.QtWidgets import QApplication

    from app.ui.main import configure_application

    app = QApplication.instance() or QApplication(["defect-studio"])
    configure_application(app)
    from app.ui.about_dialog import AboutDialog, app_version
    from app.ui.icons import app_icon

    if app_icon().pixmap(32, 32).isNull():
        raise RuntimeError("app icon is empty (app/resources or QtSvg missing)")
    about = AboutDialog()
    if app_version() not in about.version_label.text():
        raise RuntimeError(f"About shows {about.version_label.text()!r}")
    about.deleteLater()
    return f"Qt {qVersion()}, platform {app.platformName()}"


def check_window() -> str:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from app.ui.main_window import MainWindow
    from app.ui.workspaces import BrokenWorkspace

    window = MainWindow()
    window.show()
    loop = QEventLoop()
    QTimer.singleShot(1500, loop.quit)
    loop.exec()
    tabs = window.tabs
    names = [tabs.tabText(i) for i in range(tabs.count())]
    broken = [w.error for i in range(tabs.count())
              if isinstance(w := tabs.widget(i), BrokenWorkspace)]
    window.close()
    QApplication.processEvents()
    if broken:
        raise RuntimeError(f"workspaces failed to load: {broken}")
    return f"workspaces {names}"


def check_sqlite() -> str:
    from app.store import Project

    with tempfile.TemporaryDirectory() as tmp:
        project = Project.create(Path(tmp) / "selftest.dsproj")
        project.close()
    return "project created and closed"


def check_torch() -> str:
    t0 = time.perf_counter()
    from app.ml.compat import ensure_torchvision

    torchvision = ensure_torchvision()
    import torch

    from app.ml.registry import create_model
    from app.ml.spec import default_spec

    model = create_model(default_spec(), pretrained=False).model.eval()
    with torch.no_grad():
        out = model(torch.zeros(1, 3, 64, 64))
    if tuple(out.shape) != (1, 2, 64, 64):
        raise RuntimeError(f"unexpected output shape {tuple(out.shape)}")
    return (f"torch {torch.__version__}, torchvision {torchvision}, "
            f"Unet forward ok in {time.perf_counter() - t0:.1f}s")


CHECKS: list[tuple[str, Callable[[], str]]] = [
    ("version", check_version),
    ("qt", check_qt),
    ("window", check_window),
    ("sqlite", check_sqlite),
    ("torch", check_torch),
]


def run() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    failed = 0
    for name, check in CHECKS:
        try:
            print(f"ok {name}: {check()}", flush=True)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, then the next check
            failed += 1
            print(f"FAIL {name}: {type(exc).__name__}: {exc}", flush=True)
            traceback.print_exc(file=sys.stderr)
    print(f"selftest: {len(CHECKS) - failed} passed, {failed} failed", flush=True)
    return 1 if failed else 0
