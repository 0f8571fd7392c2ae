"""Opening the Grade workspace on a tiny project and saving a recipe, for the Grade UI tests."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.store import Project
from app.ui.grade.workspace import GradeWorkspace


def open_workspace(qtbot, project_path, image_id):
    p = Project.open(project_path)
    ws = GradeWorkspace()
    qtbot.addWidget(ws)
    ws.resize(1400, 900)
    ws.show()
    ws.set_project(p)
    ws.canvas.setFixedSize(600, 400)  # image 60 x 40 -> zoom 10, no offset
    qtbot.waitUntil(lambda: ws.canvas.width() == 600)
    with qtbot.waitSignal(ws.part_shown, timeout=10_000):
        ws.show_image(image_id)
    ws.canvas.fit()
    return p, ws


def versions(ws):
    return [r.version for r in ws.project.recipes.versions("part")]


def click_save(qtbot, ws, monkeypatch, note: str = "", ok: bool = True):
    """Save… with the mouse; the note dialog answers `note` (OK) or is canceled."""
    from PySide6.QtWidgets import QInputDialog

    asked = []
    monkeypatch.setattr(QInputDialog, "getText",
                        lambda *a, **k: asked.append(a[2]) or (note, ok))
    button = ws.recipe_bar.save_button
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1
    return asked[0]

