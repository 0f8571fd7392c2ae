"""Recipe versions in the Grade workspace: older versions are views, a saved change to one
becomes the new latest version; new recipes; the histogram's min-area line previews then goes
into the draft; switching recipe with a draft asks Save / Discard / Cancel; Import / Export."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import Qt

from app.core.grading import ClassSetting, Recipe, Rule
from app.store import Project
from tests.support.grade import tiny_part_project
from tests.support.grade_ui import click_save, open_workspace, versions


@pytest.fixture
def ws(qtbot, tmp_path):
    project_path, image_id, _ = tiny_part_project(tmp_path)
    with Project.open(project_path) as p:  # v2: threshold 0.4 -> the part is SCRAP
        p.recipes.save("part", Recipe(name="part", classes=(ClassSetting(1, "crack", 0.4),),
                                      rules=(Rule(1, grade="SCRAP", max_area_mm2=20),)).to_dict())
    p, ws = open_workspace(qtbot, project_path, image_id)
    yield ws
    ws.shutdown()
    p.close()


def test_older_version_is_a_view_and_a_saved_change_makes_a_new_latest(qtbot, ws, monkeypatch):
    bar = ws.recipe_bar
    assert ws.session.row.version == 2 and ws.banner.grade_text == "SCRAP"
    assert [bar.versions.itemText(i) for i in range(bar.versions.count())] == ["v2 (latest)", "v1"]
    bar.versions.setCurrentIndex(1)
    bar.versions.activated.emit(1)
    qtbot.waitUntil(lambda: ws.banner.grade_text == "OK")
    assert ws.session.row.version == 1 and not ws.session.is_latest
    assert bar.state.text() == "part@1 · v1 of 2: Save makes v3"
    slider = ws.classes.rows[1].min_area
    slider.setFocus()
    qtbot.waitUntil(slider.hasFocus)
    qtbot.keyClick(slider, Qt.Key.Key_Right)
    assert slider.value() == 1
    qtbot.wait(700)
    assert versions(ws) == [1, 2] and bar.state.text().startswith("part@1 *")
    click_save(qtbot, ws, monkeypatch, "from v1, with a noise floor")
    assert versions(ws) == [1, 2, 3]
    latest = ws.project.recipes.get("part")
    assert latest.body["classes"][0]["threshold"] == pytest.approx(0.5)  # made from v1
    assert latest.body["classes"][0]["min_area_mm2"] > 0
    assert ws.session.is_latest and bar.versions.itemText(0) == "v3 (latest)"


def test_new_recipe_from_the_shown_one(qtbot, ws):
    dialog = ws.recipe_bar.ask_new()
    qtbot.keyClicks(dialog.name, "line3")
    dialog.accept()
    assert ws.project.recipes.names() == ["line3", "part"]
    assert ws.session.row.ref == "line3@1"
    assert ws.project.recipes.get("line3").body["classes"][0]["threshold"] == pytest.approx(0.4)
    assert ws.recipe_bar.names.currentText() == "line3"


def test_histogram_line_previews_while_moving_and_ends_in_the_draft(qtbot, ws, monkeypatch):
    hist = ws.histogram
    assert ws.current_class == 1
    start = versions(ws)
    line = hist.line
    for area in (2, 5, 10, 30, 70):  # px (uncalibrated): a drag across the histogram
        line.setValue(math.log10(area))
    qtbot.waitUntil(lambda: ws.banner.grade_text == "–" or not ws.session.verdict.components)
    assert ws.session.recipe.min_area_mm2(1) == pytest.approx(70)
    assert versions(ws) == start  # nothing saved while moving
    line.sigPositionChangeFinished.emit(line)
    assert versions(ws) == start and ws.session.dirty
    click_save(qtbot, ws, monkeypatch)
    assert versions(ws) == [*start, start[-1] + 1]
    assert ws.project.recipes.get("part").body["classes"][0]["min_area_mm2"] == pytest.approx(70)
    assert ws.classes.rows[1].min_area_text.text() == "70 px"


def make_draft(qtbot, ws):
    slider = ws.classes.rows[1].threshold
    slider.setFocus()
    qtbot.waitUntil(slider.hasFocus)
    qtbot.keyClick(slider, Qt.Key.Key_PageUp)  # 0.40 -> 0.45
    assert ws.session.dirty


def answer_unsaved(monkeypatch, button):
    """Patch QMessageBox.question to answer `button`; returns the texts it was asked."""
    from PySide6.QtWidgets import QMessageBox

    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or button)
    return asked


def pick_version(bar, version):
    i = bar.versions.findData(version)
    bar.versions.setCurrentIndex(i)
    bar.versions.activated.emit(i)


def test_switching_recipe_with_a_draft_asks(qtbot, ws, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    b = QMessageBox.StandardButton
    bar = ws.recipe_bar
    make_draft(qtbot, ws)
    # Cancel: the draft stays, the pickers still show v2
    asked = answer_unsaved(monkeypatch, b.Cancel)
    pick_version(bar, 1)
    assert len(asked) == 1 and "part@2 has changes that are not saved" in asked[0]
    assert ws.session.row.version == 2 and ws.session.dirty
    assert bar.versions.currentData() == 2 and versions(ws) == [1, 2]
    # Discard: v1 shown, the draft gone, nothing saved
    answer_unsaved(monkeypatch, b.Discard)
    pick_version(bar, 1)
    assert ws.session.row.version == 1 and not ws.session.dirty
    assert versions(ws) == [1, 2]
    # Save: asks a note, saves, then switches
    make_draft(qtbot, ws)
    answer_unsaved(monkeypatch, b.Save)
    monkeypatch.setattr("PySide6.QtWidgets.QInputDialog.getText",
                        lambda *a, **k: ("kept on switching", True))
    pick_version(bar, 2)
    assert versions(ws) == [1, 2, 3]
    assert ws.project.recipes.get("part@3").note == "kept on switching"
    assert ws.session.row.version == 2 and not ws.session.dirty


def test_closing_the_project_with_a_draft_asks(qtbot, tmp_path, monkeypatch, settings_sandbox,
                                               error_handler):
    """In the main window: the title marks the draft; Cancel keeps the project open, Discard
    closes it without a new version."""
    from PySide6.QtWidgets import QMessageBox

    from app.ui.main_window import MainWindow
    from app.ui.workspaces import WORKSPACES

    project_path, image_id, _ = tiny_part_project(tmp_path)
    window = MainWindow(settings=settings_sandbox, error_handler=error_handler,
                        registry=[e for e in WORKSPACES if e[0] == "Grade"])
    qtbot.addWidget(window)
    window.show()
    (grade,) = window.workspaces()
    with qtbot.waitSignal(grade.part_shown, timeout=10_000):
        assert window.open_project(project_path)
        window.show_workspace("Grade")
    assert "•" not in window.windowTitle()
    make_draft(qtbot, grade)
    assert "•" in window.windowTitle()  # unsaved: marked in the title
    asked = answer_unsaved(monkeypatch, QMessageBox.StandardButton.Cancel)
    assert not window.close_project()
    assert window.project is not None and len(asked) == 1
    assert not window.close() and window.isVisible()  # closing the window: Cancel stays too
    assert len(asked) == 2
    answer_unsaved(monkeypatch, QMessageBox.StandardButton.Discard)
    assert window.close_project() and window.project is None
    with Project.open(project_path, readonly=True) as p:
        assert [r.version for r in p.recipes.versions("part")] == [1]
    window.close()


def test_export_then_import_from_the_recipe_bar(qtbot, ws, monkeypatch, tmp_path):
    from app.ui.grade import drafts

    out = tmp_path / "part.json"
    monkeypatch.setattr(drafts.QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    qtbot.mouseClick(ws.recipe_bar.export_button, Qt.MouseButton.LeftButton)
    text = out.read_bytes()
    assert b'"format": "defect-studio-recipe"' in text and b'"name": "part"' in text
    # an import equal to the latest saves nothing
    monkeypatch.setattr(drafts.QFileDialog, "getOpenFileName", lambda *a, **k: (str(out), ""))
    qtbot.mouseClick(ws.recipe_bar.import_button, Qt.MouseButton.LeftButton)
    assert versions(ws) == [1, 2]
    # an edited file becomes v3 and is shown
    out.write_bytes(text.replace(b'"threshold": 0.4', b'"threshold": 0.3'))
    qtbot.mouseClick(ws.recipe_bar.import_button, Qt.MouseButton.LeftButton)
    assert versions(ws) == [1, 2, 3] and ws.session.row.version == 3
    assert ws.session.recipe.threshold(1) == pytest.approx(0.3)
    assert ws.classes.rows[1].threshold.value() == 30


def test_a_bad_file_shows_why_and_changes_nothing(qtbot, ws, monkeypatch, tmp_path):
    import sqlite3

    from app.ui.grade import drafts

    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "defect-studio-recipe", "format_version": 1, '
                   '"classes": [{"name": "scratch", "threshold": 0.5}]}')
    monkeypatch.setattr(drafts.QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))

    def rows():
        con = sqlite3.connect(ws.project.path)
        out = con.execute("SELECT * FROM recipes ORDER BY id").fetchall()
        con.close()
        return out

    before = rows()
    qtbot.mouseClick(ws.recipe_bar.import_button, Qt.MouseButton.LeftButton)
    box = ws.last_message
    assert box is not None and box.isVisible()
    assert "scratch" in box.text() and "classes: crack" in box.text()
    assert "Nothing was changed" in box.text()
    box.close()
    assert rows() == before and ws.session.row.version == 2


def test_a_new_inspection_run_offers_saved_versions_only(qtbot, ws):
    """A draft is never a version: the run dialog's "(latest)" is the last saved one."""
    from app.ui.review.run_dialog import NewRunDialog

    make_draft(qtbot, ws)
    qtbot.wait(700)  # the key burst ended into the draft
    assert ws.session.recipe.threshold(1) == pytest.approx(0.45)
    dialog = NewRunDialog(ws.project)
    qtbot.addWidget(dialog)
    items = [(dialog.recipe.itemText(i), dialog.recipe.itemData(i))
             for i in range(dialog.recipe.count())]
    assert items == [("part v2 (latest)", "part@2"), ("part v1", "part@1")]
    chosen = ws.project.recipes.get(dialog.recipe.currentData())
    assert chosen.body["classes"][0]["threshold"] == pytest.approx(0.4)  # saved, not the draft
    ws.revert_draft()
