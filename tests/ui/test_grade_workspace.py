"""The Grade workspace driven as a person would: threshold sliders by keys and by mouse drag,
the verdict banner and the overlay's pixels; edits make a draft, only Save writes a version."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QSlider, QStyle, QStyleOptionSlider

from app.ui.grade.workspace import GradeWorkspace
from tests.support.grade import CORE, HALO, center_color, tiny_part_project
from tests.support.grade_ui import click_save, open_workspace, versions


@pytest.fixture
def tiny(tmp_path):
    return tiny_part_project(tmp_path)


@pytest.fixture
def ws(qtbot, tiny):
    project_path, image_id, _model = tiny
    p, ws = open_workspace(qtbot, project_path, image_id)
    yield ws
    ws.shutdown()
    p.close()



def overlay_rgb(ws):
    """The fill at the middle of the core: the class colour over the image."""
    cx, cy = CORE[0] + 1, CORE[1] + 1
    return center_color(ws.canvas.grab().toImage(), cx, cy)


def outline_rgb(ws, box):
    """The colour of the grade frame's top side around a component filling `box` (zoom 10, no
    offset): FRAME_MARGIN screen pixels above the box."""
    from app.ui.grade.canvas import FRAME_MARGIN

    x, y, w, _h = box
    return ws.canvas.grab().toImage().pixelColor(int((x + w / 2) * 10), y * 10 - FRAME_MARGIN
                                                 ).getRgb()[:3]


def handle_center(slider: QSlider) -> QPoint:
    opt = QStyleOptionSlider()
    slider.initStyleOption(opt)
    rect = slider.style().subControlRect(QStyle.ComplexControl.CC_Slider, opt,
                                         QStyle.SubControl.SC_SliderHandle, slider)
    return rect.center()


def test_opens_with_the_prediction_graded(ws):
    assert ws.banner.grade_text == "OK"
    assert not ws.banner.note.isVisible()
    r, g, b = overlay_rgb(ws)
    assert r > g + 40 and r > b + 40  # filled in the class colour (crack: red)
    r, g, b = outline_rgb(ws, CORE)
    assert g > r + 40  # framed in the grade colour: the 9 px component is OK (green)
    assert "crack" in ws.legend.text() and "SCRAP" in ws.legend.text()
    assert ws.classes.rows[1].min_area_text.text().endswith("px")  # uncalibrated: px
    assert "(px)" in ws.rules.model.headerData(
        3, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)


def test_key_presses_change_the_draft_and_save_writes_one_version(qtbot, ws, monkeypatch):
    slider = ws.classes.rows[1].threshold
    slider.setFocus()
    qtbot.waitUntil(slider.hasFocus)
    assert versions(ws) == [1]
    assert not ws.recipe_bar.save_button.isEnabled() and not ws.session.dirty
    for _ in range(2):
        qtbot.keyClick(slider, Qt.Key.Key_PageDown)  # 0.50 -> 0.40
    qtbot.waitUntil(lambda: ws.banner.grade_text == "SCRAP", timeout=2000)
    assert ws.session.recipe.threshold(1) == pytest.approx(0.40)
    r, g, _b = outline_rgb(ws, HALO)
    assert r > 240 and g < 90  # the 64 px component is framed red (SCRAP)
    assert "crack 64 px" in ws.banner.reasons.text()
    qtbot.wait(800)  # past the key burst's idle commit: it went into the draft, not the store
    assert versions(ws) == [1]
    assert ws.recipe_bar.state.text().startswith("part@1 *")
    assert ws.recipe_bar.save_button.isEnabled() and ws.recipe_bar.revert_button.isEnabled()
    assert not ws.recipe_bar.export_button.isEnabled()  # a file holds a saved version
    asked = click_save(qtbot, ws, monkeypatch, "halo counts: line 3 escapes")
    assert "Save part as v2" in asked
    assert versions(ws) == [1, 2]
    row = ws.project.recipes.get("part")
    assert row.body["classes"][0]["threshold"] == pytest.approx(0.40)
    assert row.note == "halo counts: line 3 escapes"
    assert ws.recipe_bar.state.text().startswith("part@2 · by ")
    assert not ws.session.dirty and not ws.recipe_bar.save_button.isEnabled()


def test_revert_drops_the_draft_and_puts_the_sliders_back(qtbot, ws, monkeypatch):
    slider = ws.classes.rows[1].threshold
    slider.setFocus()
    qtbot.waitUntil(slider.hasFocus)
    qtbot.keyClick(slider, Qt.Key.Key_PageDown)
    qtbot.keyClick(slider, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: ws.banner.grade_text == "SCRAP", timeout=2000)
    assert ws.session.dirty and slider.value() == 40
    # Revert right away, while the key burst is still pending: nothing comes back after it
    qtbot.mouseClick(ws.recipe_bar.revert_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ws.banner.grade_text == "OK", timeout=2000)
    qtbot.wait(800)
    assert slider.value() == 50 and ws.classes.rows[1].threshold_text.text() == "0.50"
    assert not ws.session.dirty and ws.session.recipe.threshold(1) == pytest.approx(0.5)
    assert "*" not in ws.recipe_bar.state.text()
    assert versions(ws) == [1]
    # canceling the note dialog saves nothing
    qtbot.keyClick(slider, Qt.Key.Key_PageUp)
    qtbot.wait(700)
    click_save(qtbot, ws, monkeypatch, ok=False)
    assert versions(ws) == [1] and ws.session.dirty


def test_mouse_drag_previews_while_moving_and_saves_nothing(qtbot, ws):
    slider = ws.classes.rows[1].threshold
    start = handle_center(slider)
    step_px = max(2, slider.width() // 100)  # about one value per step
    grades_seen = []
    ws.session.verdict_changed.connect(lambda: grades_seen.append(ws.banner.grade_text))
    qtbot.mousePress(slider, Qt.MouseButton.LeftButton, pos=start)
    assert slider.isSliderDown()
    x = start.x()
    for _ in range(12):  # drag left, step by step
        x -= step_px
        qtbot.mouseMove(slider, QPoint(x, start.y()))
        qtbot.wait(5)
    qtbot.waitUntil(lambda: ws.banner.grade_text == "SCRAP", timeout=2000)
    assert slider.value() < 45
    qtbot.mouseRelease(slider, Qt.MouseButton.LeftButton, pos=QPoint(x, start.y()))
    qtbot.wait(800)  # no late commit from the idle timer either
    assert versions(ws) == [1]  # let go: the draft holds it, the store does not
    assert ws.session.dirty
    assert ws.session.recipe.threshold(1) == pytest.approx(slider.value() / 100)
    assert "SCRAP" in grades_seen
    ws.revert_draft()


def test_a_burst_of_previews_costs_one_grading(qtbot, ws):
    s = ws.session
    before = s.grade_count
    for t in (0.49, 0.48, 0.47, 0.46, 0.45, 0.42, 0.41, 0.40):
        s.preview(s.recipe.with_threshold(1, t))
    qtbot.waitUntil(lambda: s.grade_count > before)
    qtbot.wait(50)
    assert s.grade_count == before + 1
    assert ws.banner.grade_text == "SCRAP"  # graded with the latest value


def test_labels_are_graded_when_there_is_no_prediction(qtbot, ws):
    project = ws.project
    image_id = ws.session.part.row.id
    project.models.clear_prediction(image_id)
    with qtbot.waitSignal(ws.part_shown, timeout=10_000):
        ws.show_image(image_id)
    assert ws.banner.note.isVisible()
    assert ws.banner.note.text() == "grading labels (no prediction)"
    assert ws.banner.grade_text == "SCRAP"  # the 64 px label breaks the 20 px rule


def test_clicking_a_component_row_centers_on_it(qtbot, ws):
    view = ws.components.view
    assert ws.components.model.rowCount() == 1
    rect = view.visualRect(ws.components.model.index(0, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    c = ws.components.model.component(0)
    x, y, w, h = c.bbox
    cx, cy = ws.canvas.view.to_widget(x + w / 2, y + h / 2)
    assert abs(cx - 300) <= 1 and abs(cy - 200) <= 1
    assert ws.canvas.view.zoom > 10


def test_whatif_panel_shows_the_labeled_set(qtbot, ws):
    qtbot.waitUntil(lambda: ws.whatif_panel.last is not None, timeout=10_000)
    c = ws.whatif_panel.last.result.vs_labels
    assert c.n == 1 and c.count("SCRAP", "OK") == 1  # 64 px labeled, 9 px predicted: escape
    assert "escapes <b>1</b>" in ws.whatif_panel.summary.text()
    qtbot.waitUntil(lambda: len(ws.whatif_panel.chart.points) == 21, timeout=20_000)


@pytest.fixture
def workspace_registry():
    from app.ui.workspaces import WORKSPACES

    return [entry for entry in WORKSPACES if entry[0] == "Grade"]


def test_in_the_main_window(qtbot, bare_window, tiny):
    """Built from the registry, opened, shown, closed: no thread left behind."""
    project_path, image_id, _ = tiny
    window = bare_window
    (ws,) = window.workspaces()
    assert isinstance(ws, GradeWorkspace) and ws.title == "Grade"
    assert window.open_project(project_path)
    assert window.show_workspace("Grade")
    with qtbot.waitSignal(ws.part_shown, timeout=10_000):
        ws.show_image(image_id)
    assert ws.banner.grade_text == "OK"
    qtbot.waitUntil(lambda: ws.whatif_panel.last is not None, timeout=10_000)
    assert window.close_project()


def test_reload_decodes_the_labeled_set_again(qtbot, ws):
    qtbot.waitUntil(lambda: ws.whatif_panel.last is not None and not ws.whatif.busy,
                    timeout=20_000)
    old = ws.whatif.cache
    with qtbot.waitSignal(ws.whatif_refreshed, timeout=10_000):
        qtbot.mouseClick(ws.whatif_panel.refresh_button, Qt.MouseButton.LeftButton)
    assert ws.whatif.cache is not old and len(ws.whatif.cache.cases) == 1


def test_opening_a_project_shows_its_first_part(qtbot, bare_window, tiny):
    """Like Label, Grade opens on the first part of the list rather than an empty canvas."""
    project_path, _image_id, _ = tiny
    window = bare_window
    (ws,) = window.workspaces()
    with qtbot.waitSignal(ws.part_shown, timeout=10_000) as shown:
        assert window.open_project(project_path)
        assert window.show_workspace("Grade")
    first = ws.panel.visible_ids()[0]
    assert shown.args == [first] and ws.panel.current_image_id() == first
    assert ws.session.part.row.id == first and ws.banner.grade_text
    assert window.close_project()
