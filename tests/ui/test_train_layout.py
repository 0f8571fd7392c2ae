"""The Train workspace fits the smallest supported window (1280 x 800): the models table does
not scroll sideways even with several classes, and no button is cut."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton

from app.store import Project
from app.store.rows import ModelRow
from app.ui.train.workspace import TrainWorkspace

CLASSES = {"1": "crack", "2": "blowhole", "3": "surface_scratch", "4": "inclusion"}


def model_row(i: int) -> ModelRow:
    metrics = {"miou": 0.61, "iou": {k: 0.5 + 0.01 * int(k) for k in CLASSES},
               "classes": CLASSES, "status": "early_stopped", "best_epoch": 31,
               "epochs_done": 41, "epochs_planned": 50, "escapes": 2, "parts": 40,
               "detection_recall": 0.95, "false_reject_rate": 0.125, "val_images": 40}
    return ModelRow(i, f"20261206-06{i:02d}33-unetplusplus-efficientnet-b3", f"m{i}",
                    {"spec": {"architecture": "UnetPlusPlus", "encoder": "efficientnet-b3"}},
                    metrics, "", 160, "2026-12-06T06:25:33", "tester")


def test_train_workspace_fits_1280_by_800(qtbot, project_path):
    with Project.open(project_path) as p:
        ws = TrainWorkspace()
        qtbot.addWidget(ws)
        ws.resize(1280, 733)  # what the main window at 1280 x 800 leaves its workspace
        ws.show()
        ws.set_project(p)
        ws.models.show_models([model_row(i) for i in (1, 2, 3)], 2,
                              {int(k): v for k, v in CLASSES.items()})
        qtbot.waitExposed(ws)
        qtbot.wait(50)
        table = ws.models.table
        assert table.horizontalScrollBar().maximum() == 0  # no column hidden to the right
        per_class = table.item(0, 5)
        assert per_class.toolTip() == per_class.text() and "inclusion" in per_class.text()
        for button in ws.findChildren(QPushButton):
            if button.isVisibleTo(ws):
                assert button.width() >= button.sizeHint().width(), button.text()
        ws.set_project(None)
