"""Zones drawn with clicks in the Grade workspace change which rule judges a defect; rules
edited in the table; every edit goes into the draft, Save writes one version of them all."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from app.core.grading import Polygon, Rule, Zone, ZoneSet
from tests.support.grade import tiny_part_project
from tests.support.grade_ui import click_save, open_workspace, versions

RULES = (Rule(1, grade="REWORK", max_area_mm2=5),  # whole image: over 5 px -> REWORK
         Rule(1, "rim", "SCRAP", max_area_mm2=5))  # in the rim: over 5 px -> SCRAP
RIM = ZoneSet((Zone("rim", (Polygon(((0, 0), (9, 0), (9, 9), (0, 9))),), 2),))


@pytest.fixture
def ws(qtbot, tmp_path):
    project_path, image_id, _ = tiny_part_project(tmp_path, rules=RULES, zones=RIM)
    p, ws = open_workspace(qtbot, project_path, image_id)
    yield ws
    ws.shutdown()
    p.close()


def click_image(qtbot, canvas, x, y):
    """A left click at image point (x, y): zoom 10, no offset."""
    pos = QPoint(int(x * 10), int(y * 10))
    qtbot.mouseMove(canvas, pos)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=pos)


def draw_ring(qtbot, ws, corners):
    for x, y in corners:
        click_image(qtbot, ws.canvas, x, y)
    qtbot.keyClick(ws.canvas, Qt.Key.Key_Return)


def test_drawing_an_area_of_a_zone_changes_the_rule_that_applies(qtbot, ws, monkeypatch):
    assert ws.banner.grade_text == "REWORK"
    assert "in whole-image" in ws.banner.reasons.text()
    ws.tabs.setCurrentWidget(ws.zones)
    ws.zones.select("rim")
    qtbot.mouseClick(ws.zones.area_button, Qt.MouseButton.LeftButton)
    draw_ring(qtbot, ws, [(20, 10), (40, 10), (40, 30), (20, 30)])
    qtbot.waitUntil(lambda: ws.banner.grade_text == "SCRAP", timeout=2000)
    assert "in rim" in ws.banner.reasons.text()
    assert versions(ws) == [1] and ws.session.dirty
    click_save(qtbot, ws, monkeypatch, "rim covers the bore")
    assert versions(ws) == [1, 2]
    (rim,) = ws.project.recipes.get("part").body["zones"]["zones"]
    assert len(rim["polygons"]) == 2
    assert rim["polygons"][1]["outer"] == [[19.5, 9.5], [39.5, 9.5], [39.5, 29.5], [19.5, 29.5]]
    assert ws.project.recipes.get("part").body["zones"]["reference_size"] == [60, 40]


def test_new_zone_then_a_rule_for_it_then_a_hole(qtbot, ws, monkeypatch):
    qtbot.mouseClick(ws.zones.new_button, Qt.MouseButton.LeftButton)
    draw_ring(qtbot, ws, [(20, 10), (40, 10), (40, 30), (20, 30)])
    qtbot.waitUntil(lambda: "zone 1" in ws.session.recipe.zones.names)
    assert ws.zones.selected == "zone 1"
    assert ws.banner.grade_text == "REWORK"  # no rule for zone 1: falls back to whole-image
    # a rule for the new zone, through the rules table
    model = ws.rules.model
    assert model.add_rule()
    row = model.rowCount() - 1
    assert model.setData(model.index(row, 1), "zone 1")
    assert model.setData(model.index(row, 3), "4")
    assert model.setData(model.index(row, 6), "SCRAP")
    qtbot.waitUntil(lambda: ws.banner.grade_text == "SCRAP", timeout=2000)
    assert "in zone 1" in ws.banner.reasons.text()
    assert versions(ws) == [1]  # edits go into the draft
    assert not model.setData(model.index(row, 3), "-1")  # refused
    assert ws.session.recipe.rules[-1].max_area_mm2 == 4
    # a hole around the defect: the whole-image rule judges it again
    qtbot.mouseClick(ws.zones.hole_button, Qt.MouseButton.LeftButton)
    draw_ring(qtbot, ws, [(25, 15), (35, 15), (35, 25), (25, 25)])
    qtbot.waitUntil(lambda: ws.banner.grade_text == "REWORK", timeout=2000)
    click_save(qtbot, ws, monkeypatch, "zone 1 with a hole")
    assert versions(ws) == [1, 2]  # one version for all the edits
    body = ws.project.recipes.get("part").body
    (zone1,) = [z for z in body["zones"]["zones"] if z["name"] == "zone 1"]
    assert len(zone1["polygons"][0]["holes"]) == 1
    assert any(r["zone"] == "zone 1" and r["max_area_mm2"] == 4 for r in body["rules"])
    # rename follows into the rules; delete drops the zone and its rule
    ws.zones.name.setText("face")
    ws.zones.name.editingFinished.emit()
    assert {r.zone for r in ws.session.recipe.rules} >= {"face"}
    qtbot.mouseClick(ws.zones.delete_button, Qt.MouseButton.LeftButton)
    click_save(qtbot, ws, monkeypatch)
    body = ws.project.recipes.get("part").body
    assert versions(ws) == [1, 2, 3]
    assert [z["name"] for z in body["zones"]["zones"]] == ["rim"]
    assert all(r["zone"] != "face" for r in body["rules"])


def test_escape_cancels_a_ring_and_backspace_drops_a_vertex(qtbot, ws):
    qtbot.mouseClick(ws.zones.new_button, Qt.MouseButton.LeftButton)
    for x, y in [(20, 10), (40, 10), (40, 30)]:
        click_image(qtbot, ws.canvas, x, y)
    qtbot.keyClick(ws.canvas, Qt.Key.Key_Backspace)
    assert ws.controller.tool.points == [(20.0, 10.0), (40.0, 10.0)]
    qtbot.keyClick(ws.canvas, Qt.Key.Key_Return)  # two vertices: not a ring
    qtbot.keyClick(ws.canvas, Qt.Key.Key_Escape)
    assert ws.controller.tool.points == []
    assert versions(ws) == [1]
