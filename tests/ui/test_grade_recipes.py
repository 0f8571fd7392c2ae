"""Recipe versions in the Grade workspace: older versions are views, a change to one becomes
the new latest version; new recipes; the histogram's min-area line previews then commits."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import Qt

from app.core.grading import ClassSetting, Recipe, Rule
from app.store import Project
from tests.ui.test_grade_fixtures import tiny_part_project
from tests.ui.test_grade_workspace import open_workspace, versions


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


def test_older_version_is_a_view_and_a_change_makes_a_new_latest(qtbot, ws):
    bar = ws.recipe_bar
    assert ws.session.row.version == 2 and ws.banner.grade_text == "SCRAP"
    assert [bar.versions.itemText(i) for i in range(bar.versions.count())] == ["v2 (latest)", "v1"]
    bar.versions.setCurrentIndex(1)
    bar.versions.activated.emit(1)
    qtbot.waitUntil(lambda: ws.banner.grade_text == "OK")
    assert ws.session.row.version == 1 and not ws.session.is_latest
    assert "viewing v1 of 2: a change is saved as v3" in bar.state.text()
    slider = ws.classes.rows[1].min_area
    slider.setFocus()
    qtbot.waitUntil(slider.hasFocus)
    qtbot.keyClick(slider, Qt.Key.Key_Right)
    assert slider.value() == 1
    qtbot.waitUntil(lambda: versions(ws) == [1, 2, 3], timeout=3000)
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


def test_histogram_line_previews_while_moving_and_commits_once(qtbot, ws):
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
    assert versions(ws) == [*start, start[-1] + 1]
    assert ws.project.recipes.get("part").body["classes"][0]["min_area_mm2"] == pytest.approx(70)
    assert ws.classes.rows[1].min_area_text.text() == "70 px"
