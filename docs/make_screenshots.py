"""Screenshots of every workspace for the README, taken from the real app, offscreen.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/make_screenshots.py

Builds the demo exactly as the welcome page's "Open the demo" does (parts, the demo's model,
predictions of every part, the inspection run "Demo lot 1"; app/demo.py) in a temporary
folder, opens the main window on it at 1280 x 800 (the smallest supported window) and saves
docs/screenshots/{welcome,label,train,grade,review}.png. Re-run it when the UI changes.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "screenshots"
SIZE = (1280, 800)


def settle(app, seconds: float = 1.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def workspace(window, title: str):
    return next(ws for ws in window.workspaces() if ws.title == title)


def first_start(settings_dir: Path):
    """(app, main window) as at a first start: no recent projects of whoever runs this, no
    remembered window state (settings in `settings_dir`), SIZE, shown and settled."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.ui.main import configure_application
    from app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    configure_application(app)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(settings_dir))
    w = MainWindow()
    w.resize(*SIZE)
    w.show()
    settle(app, 0.5)
    return app, w


def shoot(project_path: Path, settings_dir: Path) -> None:
    app, w = first_start(settings_dir)
    w.grab().save(str(OUT / "welcome.png"))
    w.open_project(project_path)
    settle(app, 1.5)
    label = workspace(w, "Label")
    last = label.panel.visible_ids()[-1]  # an unlabeled part: its pre-labels show as outlines
    label.show_image(last)
    settle(app, 2.0)
    w.grab().save(str(OUT / "label.png"))
    for name in ("Train", "Grade", "Review"):
        w.show_workspace(name)
        settle(app, 2.0)
        if name == "Train":  # the device probe reports (seconds on a busy machine)
            form = workspace(w, "Train").form
            deadline = time.monotonic() + 60
            while form.device.text().startswith("Detecting") and time.monotonic() < deadline:
                settle(app, 0.5)
        w.grab().save(str(OUT / f"{name.lower()}.png"))
    w.close()


def main() -> int:
    from app.demo import build_demo_project

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        path = build_demo_project(Path(tmp) / "demo", with_model=True)
        print(f"demo built in {time.perf_counter() - started:.1f} s", flush=True)
        shoot(path, Path(tmp) / "settings")
    print(f"screenshots in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
