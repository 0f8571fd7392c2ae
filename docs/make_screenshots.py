"""Screenshots of every workspace for the README, taken from the real app, offscreen.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/make_screenshots.py [--epochs 30]

Builds the demo project in a temporary folder, trains a small model on it (about 8 minutes on
2 CPU cores; early stopping may end it sooner), predicts the unlabeled parts, runs an inspection
with the demo recipe, then opens the main window on it and saves
docs/screenshots/{welcome,label,train,grade,review}.png. Re-run it when the UI changes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "screenshots"


def settle(app, seconds: float = 1.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def prepare(folder: Path, epochs: int) -> tuple[Path, int]:
    """The demo project with a trained model, predictions and one inspection run."""
    from app.demo import build_demo_project
    from app.jobs.inspection import inspect
    from app.jobs.prediction import predict_images
    from app.jobs.training import train_project
    from app.ml.trainer import TrainConfig
    from app.store import Project

    path = build_demo_project(folder)
    with Project.open(path) as project:
        print(f"training {epochs} epochs on the demo project...", flush=True)
        model = train_project(project, None, TrainConfig(epochs=epochs, batch_size=8),
                              on_event=None)
        ids = [i.id for i in project.images.list()]
        predict_images(project, model.id, ids)
        run = inspect(project, [folder / "demo-parts"], model.id, "housing", name="demo lot")
        return path, run.id


def workspace(window, title: str):
    return next(ws for ws in window.workspaces() if ws.title == title)


def shoot(project_path: Path, run_id: int) -> None:
    from PySide6.QtWidgets import QApplication

    from app.ui.main import configure_application
    from app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    configure_application(app)
    w = MainWindow()
    w.resize(1440, 900)
    w.show()
    settle(app, 0.5)
    w.grab().save(str(OUT / "welcome.png"))
    w.open_project(project_path)
    settle(app, 1.5)
    label = workspace(w, "Label")
    last = label.panel.visible_ids()[-1]  # an unlabeled part: its pre-labels show as outlines
    label.show_image(last)
    settle(app, 1.5)
    w.grab().save(str(OUT / "label.png"))
    for name in ("Train", "Grade", "Review"):
        w.show_workspace(name)
        settle(app, 1.0)
        if name == "Review":
            workspace(w, "Review").load_run(run_id)
            settle(app, 1.5)
        settle(app, 1.0)
        w.grab().save(str(OUT / f"{name.lower()}.png"))
    w.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        path, run_id = prepare(Path(tmp) / "demo", args.epochs)
        shoot(path, run_id)
    print(f"screenshots in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
