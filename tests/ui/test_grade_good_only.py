"""The Grade workspace with a good-parts-only model beside the model: its anomaly map is graded
as the class "anomaly", with its own threshold slider and overlay colour; the bar over the part
predicts the images it has not predicted yet."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.core.grading import Rule
from app.store import Project
from tests.support.grade import center_color, register_model, tiny_part_project
from tests.support.grade_ui import click_save, open_workspace

pytestmark = pytest.mark.usefixtures("one_thread")

STRONG = (45, 5, 6, 6)  # anomaly map 0.6: 36 px
FAINT = (45, 25, 5, 5)  # 0.35: an anomaly only at a threshold of 0.35 or less


def with_good_only_prediction(project_path, image_id) -> int:
    """A good-parts-only model row (its predictions stored, no checkpoint) and its map."""
    with Project.open(project_path) as p:
        anomaly = p.classes.add("anomaly", "#ff00ff").value
        row = p.models.register("good-only", p.models.folder / "good-only", {
            "kind": "anomaly", "classes": [{"value": anomaly, "name": "anomaly",
                                            "color": "#ff00ff"}]}, {}, "1" * 64, 0)
        amap = np.zeros((1, 40, 60), np.uint8)
        for (x, y, w, h), level in ((STRONG, 153), (FAINT, 90)):
            amap[0, y:y + h, x:x + w] = level
        p.models.save_prediction(image_id, row.id, amap, [anomaly])
        return row.id


def test_the_anomaly_channel_has_its_slider_and_colour(qtbot, tmp_path, monkeypatch):
    anomaly = 2  # the next class value after crack (1)
    project_path, image_id, _model = tiny_part_project(tmp_path, rules=(
        Rule(1, grade="SCRAP", max_area_mm2=20), Rule(anomaly, grade="REWORK", max_area_mm2=30)))
    good_id = with_good_only_prediction(project_path, image_id)
    p, ws = open_workspace(qtbot, project_path, image_id)
    try:
        assert ws.session.part.class_values == (1, anomaly)
        got = [(c.class_value, c.bbox) for c in ws.session.verdict.components]
        assert got == [(1, (28, 18, 3, 3)), (anomaly, STRONG)]
        assert ws.banner.grade_text == "REWORK" and "anomaly" in ws.banner.reasons.text()
        assert not ws.banner.note.isVisible()
        row = ws.classes.rows[anomaly]
        assert f"good-parts model #{good_id}" in row.title.text()
        r, g, b = center_color(ws.canvas.grab().toImage(), STRONG[0] + 3, STRONG[1] + 3)
        assert r > g + 40 and b > g + 40  # filled in the anomaly class's colour (magenta)
        assert ws.good_only.isVisible() and "predicted 1 of 1 images" in ws.good_only.text.text()
        assert not ws.good_only.predict_button.isVisible()

        row.threshold.setFocus()
        qtbot.waitUntil(row.threshold.hasFocus)
        for _ in range(3):
            qtbot.keyClick(row.threshold, Qt.Key.Key_PageDown)  # 0.50 -> 0.35
        qtbot.waitUntil(lambda: len(ws.session.verdict.components) == 3, timeout=2000)
        assert ws.session.verdict.components[2].bbox == FAINT
        assert ws.session.recipe.threshold(1) == 0.5  # the crack's threshold is its own
        qtbot.wait(800)  # past the key burst's commit into the draft
        click_save(qtbot, ws, monkeypatch, "anomaly at 0.35")
        saved = {c["value"]: c for c in p.recipes.get("part").body["classes"]}
        assert saved[anomaly]["threshold"] == pytest.approx(0.35)
        assert saved[1]["threshold"] == pytest.approx(0.5)
    finally:
        ws.shutdown()
        p.close()


def test_predict_the_rest_fills_in_the_anomaly_map(qtbot, tmp_path):
    from tests.support.anomaly_parts import (
        add_images,
        good_part,
        register_good_only_model,
        with_defect,
    )

    path = tmp_path / "g.dsproj"
    with Project.create(path) as p:
        crack = p.classes.add("crack", "#ff0000").value
        (image_id,) = add_images(p, tmp_path / "parts", [with_defect(good_part(800))[0]],
                                 good=False)
        seg = register_model(p)
        p.models.save_prediction(image_id, seg, np.zeros((1, 160, 160), np.uint8), [crack])
        good = register_good_only_model(p)
    p, ws = open_workspace(qtbot, path, image_id)
    try:
        assert f"good-parts model (#{good.id}) has not predicted" in ws.banner.note.text()
        assert ws.session.verdict.components == ()
        assert "predicted 0 of 1 images" in ws.good_only.text.text()
        assert ws.good_only.predict_button.isVisible()
        with qtbot.waitSignal(ws.part_shown, timeout=120_000):
            qtbot.mouseClick(ws.good_only.predict_button, Qt.MouseButton.LeftButton)
        stored, values = p.models.load_prediction(image_id, good.id)
        assert stored.shape == (1, 160, 160) and values == [p.classes.by_name("anomaly").value]
        qtbot.waitUntil(lambda: ws.session.part is not None
                        and len(ws.session.part.class_values) == 2, timeout=10_000)
        comps = ws.session.verdict.components
        assert comps and {c.class_value for c in comps} == {values[0]}  # anomaly components
        big = max(comps, key=lambda c: c.component.area_px)
        x, y, w, h = big.bbox
        assert x <= 44 < x + w and y <= 40 < y + h, [c.bbox for c in comps]  # the blowhole
        assert not ws.banner.note.isVisible()
        qtbot.waitUntil(lambda: "predicted 1 of 1 images" in ws.good_only.text.text())
        assert not ws.good_only.predict_button.isVisible()
    finally:
        ws.shutdown()
        p.close()
