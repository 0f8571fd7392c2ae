"""The Review workspace's New run dialog with a defect-segmentation model and a good-parts-only
model: both chosen with the keyboard, the real inspection runs, and the run's results in the
project hold the anomaly components beside the model's."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.core.grading import ClassSetting, Recipe, Rule
from app.jobs.inspection import run_anomaly_model
from app.store import Project
from app.ui.review.workspace import ReviewWorkspace
from tests.support.anomaly_parts import good_part, register_good_only_model, with_defect
from tests.support.inspection import add_model

pytestmark = pytest.mark.usefixtures("one_thread")


def test_new_run_with_both_models_grades_the_anomaly_class(qtbot, tmp_path):
    p = Project.create(tmp_path / "two.dsproj")
    seg = add_model(p, constant=0.9)  # every pixel "spot": one spot component per part
    good = register_good_only_model(p)
    p.models.set_active(good.id, chosen=True)  # as after training it in the Train workspace
    spot, anomaly = p.classes.by_name("spot").value, p.classes.by_name("anomaly").value
    p.recipes.save("both", Recipe(name="both", classes=(
        ClassSetting(spot, "spot"), ClassSetting(anomaly, "anomaly")),
        rules=(Rule(anomaly, grade="REWORK", max_count=0),)).to_dict())
    lot = tmp_path / "lot"
    lot.mkdir()
    cv2.imwrite(str(lot / "bad.png"), with_defect(good_part(700))[0])
    cv2.imwrite(str(lot / "good.png"), good_part(701))
    ws = ReviewWorkspace()
    qtbot.addWidget(ws)
    ws.resize(1200, 800)
    ws.show()
    try:
        ws.set_project(p)
        QTest.mouseClick(ws.run_bar.new, Qt.MouseButton.LeftButton)
        dialog = ws.launcher.dialog
        start = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
        dialog.set_images([lot / "bad.png", lot / "good.png"])
        # the pair is preselected: the segmentation model, the good-parts-only model beside it
        assert dialog.model.currentData() == seg and dialog.good_model.currentData() == good.id
        assert dialog.good_model.isEnabled() and dialog.good_model.count() == 2
        dialog.good_model.setFocus()
        QTest.keyClick(dialog.good_model, Qt.Key.Key_Up)  # "None": one model only
        assert dialog.request().anomaly_model_id is None and start.isEnabled()
        dialog.model.setFocus()
        QTest.keyClick(dialog.model, Qt.Key.Key_Down)  # the good-only model as the model ...
        QTest.keyClick(dialog.good_model, Qt.Key.Key_Down)  # ... and beside itself: refused
        assert dialog.model.currentData() == good.id
        assert dialog.good_model.currentData() == good.id
        assert not start.isEnabled() and "defect-segmentation model" in dialog.hint.text()
        QTest.keyClick(dialog.model, Qt.Key.Key_Up)  # the segmentation model again
        assert start.isEnabled()
        assert dialog.request().model_id == seg and dialog.request().anomaly_model_id == good.id
        with qtbot.waitSignal(ws.launcher.finished, timeout=120_000):
            QTest.mouseClick(start, Qt.MouseButton.LeftButton)

        (run,) = p.runs.list()
        assert ws.run.id == run.id and run.status == "done"
        assert run.model_id == seg and run_anomaly_model(p, run.id) == good.id
        results = {Path(r.image_path).stem: r for r in p.runs.results(run.id)}
        assert {k: r.grade for k, r in results.items()} == {"bad": "REWORK", "good": "OK"}
        assert {c.class_name for c in results["bad"].components} == {"anomaly", "spot"}
        assert [c.class_name for c in results["good"].components] == ["spot"]
        # the part under review shows its anomaly outline like any class's
        qtbot.waitUntil(lambda: ws.current is not None and bool(ws.view.outlines),
                        timeout=10_000)
        assert ws.current.id == results["bad"].id  # most risky first
        captions = {o.caption for o in ws.view.outlines}  # one outline per component
        assert captions == {"anomaly REWORK", "spot OK"}
        assert len(ws.view.outlines) == len(results["bad"].components)
    finally:
        ws.shutdown()
        p.close()
