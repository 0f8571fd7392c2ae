"""The whole loop as a new user walks it, in the GUI alone: a folder of plain images -> new
project -> two classes -> paint four images and mark them labeled -> mark two good parts ->
train a tiny model -> predictions appear -> Grade: move a threshold, save recipe v2, revert a
draft -> an inspection run on a folder of new parts -> Review: confirm, override with a reason,
send one to labeling -> fix its mask -> resume training.

Only widgets are driven (mouse, keys, buttons, menus; the static dialog getters are answered
by monkeypatching, as a person would type into them). The project is read only to check what
each step left behind: rows, statuses, revisions, recipe versions and audit rows.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog

from app.store import Project
from app.ui.import_dialog import ImportDialog
from app.ui.label import drive

SIZE = 64
N_PARTS = 8  # part-1..4 get painted, part-5/6 are good parts, part-7/8 stay for pre-labels
CTRL = Qt.KeyboardModifier.ControlModifier
LEFT = Qt.MouseButton.LeftButton


def part_image(k: int, defect: bool) -> np.ndarray:
    rng = np.random.default_rng(k)
    img = (150 + rng.normal(0, 4, (SIZE, SIZE))).astype(np.float32)
    if defect:
        cv2.line(img, (10, 12 + 3 * k), (50, 20 + 3 * k), 60, 3)  # a crack
        cv2.circle(img, (20 + 3 * k, 48), 4, 50, -1)  # a pore
    return np.clip(img, 0, 255).astype(np.uint8)


@pytest.fixture
def folders(tmp_path):
    parts, lot = tmp_path / "parts", tmp_path / "lot"
    parts.mkdir()
    lot.mkdir()
    for k in range(1, N_PARTS + 1):
        cv2.imwrite(str(parts / f"part-{k}.png"), part_image(k, k not in (5, 6)))
    for k in range(1, 4):
        cv2.imwrite(str(lot / f"new-{k}.png"), part_image(20 + k, k != 2))
    return tmp_path


def answer_text(monkeypatch, *texts):
    """QInputDialog.getText answers `texts` in turn, as if typed and confirmed."""
    queue = list(texts)
    monkeypatch.setattr(QInputDialog, "getText",
                        staticmethod(lambda *a, **k: (queue.pop(0), True)))


def shown(label) -> str | None:
    """The name of the part on the Label canvas (None while one loads)."""
    return label.current.row.name if label.current is not None else None


def audit_actions(path) -> list[str]:
    with Project.open(path, readonly=True) as p:
        return [r.action for r in p.audit.list()]


def images_by_name(path) -> dict:
    with Project.open(path, readonly=True) as p:
        return {r.name: r for r in p.images.list()}


def test_the_whole_loop_in_the_gui(qtbot, settings_sandbox, error_handler, folders, monkeypatch):
    from app.ui.main_window import MainWindow

    window = MainWindow(settings=settings_sandbox, error_handler=error_handler)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)  # shortcuts go to the active window, as on a desktop
    path = folders / "loop.dsproj"

    # -- a new project from the welcome page, then the folder of plain images ---------------
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(path), "")))
    with qtbot.waitSignal(window.project_changed, timeout=10_000):
        qtbot.mouseClick(window.welcome.new_button, LEFT)
    assert path.is_file()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(folders / "parts")))
    qtbot.mouseClick(window.empty_page.import_button, LEFT)
    dialog = window.findChild(ImportDialog)
    qtbot.mouseClick(dialog.folder.button, LEFT)  # Browse…
    with qtbot.waitSignal(dialog.imported, timeout=20_000):
        qtbot.mouseClick(dialog.import_button, LEFT)
    qtbot.mouseClick(dialog.close_button, LEFT)
    window.activateWindow()  # the dialog had the focus; the window takes it back
    qtbot.waitActive(window)
    rows = images_by_name(path)
    assert sorted(rows) == [f"part-{k}.png" for k in range(1, N_PARTS + 1)]
    assert {r.status for r in rows.values()} == {"unlabeled"}

    # -- two classes from the class list's + button -------------------------------------------
    assert window.show_workspace("Label")
    label = window.current_workspace()
    qtbot.waitUntil(lambda: label.current_id is not None, timeout=10_000)
    assert not label._actions["label.tool.brush"].isEnabled()  # no class yet: nothing paints
    answer_text(monkeypatch, "crack", "pore")
    qtbot.mouseClick(label.toolbar.add_class, LEFT)
    qtbot.mouseClick(label.toolbar.add_class, LEFT)
    with Project.open(path, readonly=True) as p:
        classes = {c.name: c.value for c in p.classes.list()}
    assert list(classes) == ["crack", "pore"]
    crack, pore = classes["crack"], classes["pore"]

    # -- paint four parts (a crack stroke, a pore dab), Ctrl+Enter marks each labeled ---------
    canvas = label.canvas
    painted = {}
    for k in range(1, 5):
        name = f"part-{k}.png"
        qtbot.waitUntil(lambda n=name: shown(label) == n, timeout=10_000)
        canvas.setFocus()
        qtbot.keyClick(canvas, Qt.Key.Key_B)
        qtbot.keyClick(canvas, Qt.Key.Key_1)
        drive.stroke(canvas, [(10, 12 + 3 * k), (30, 16 + 3 * k), (50, 20 + 3 * k)])
        qtbot.keyClick(canvas, Qt.Key.Key_2)
        drive.stroke(canvas, [(20 + 3 * k, 48), (20 + 3 * k, 48)])
        painted[name] = label.doc.mask.copy()
        qtbot.keyClick(canvas, Qt.Key.Key_Return, CTRL)
    # -- part-5 and part-6 are good parts: Ctrl+G ----------------------------------------------
    for name in ("part-5.png", "part-6.png"):
        qtbot.waitUntil(lambda n=name: shown(label) == n, timeout=10_000)
        qtbot.keyClick(canvas, Qt.Key.Key_G, CTRL)
    qtbot.waitUntil(lambda: shown(label) == "part-7.png", timeout=10_000)

    rows = images_by_name(path)
    with Project.open(path, readonly=True) as p:
        for name, mask in painted.items():
            saved = p.masks.load(rows[name].id)
            np.testing.assert_array_equal(saved, mask)  # exactly what was on screen
            assert set(np.unique(saved)) == {0, crack, pore}
            assert rows[name].status == "labeled" and not rows[name].is_good
        for name in ("part-5.png", "part-6.png"):
            assert rows[name].status == "labeled" and rows[name].is_good
        assert rows["part-7.png"].status == "unlabeled"
    actions = audit_actions(path)
    assert actions.count("class.add") == 2
    assert actions.count("image.status") >= 6
