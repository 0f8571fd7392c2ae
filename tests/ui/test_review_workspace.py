"""The Review workspace driven by real key events (QTest) on a project with one inspection run;
then the decisions, audit rows, images and pre-labels the project holds.

The run has five parts: A SCRAP (risk 0.9), B REWORK (0.6), C OK but borderline (0.2),
D OK (not flagged) and E unreadable. The queue is A, B, C.
"""

import time

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.store import Project
from tests.support.review_ui import H, W, build_project, open_workspace


@pytest.fixture
def data(tmp_path):
    p, run, ids = build_project(tmp_path)
    yield p, run, ids
    p.close()


@pytest.fixture
def ws(qtbot, data):
    workspace = open_workspace(qtbot, data[0])
    yield workspace
    workspace.shutdown()



def press(qtbot, ws, key, wait_shown=True):
    """A key press on the part view, as a reviewer types it."""
    if wait_shown:
        with qtbot.waitSignal(ws.part_shown, timeout=10_000):
            QTest.keyClick(ws.view, key)
    else:
        QTest.keyClick(ws.view, key)


def active_dialog(qtbot, dialog):
    """The dialog once it has the keyboard (activation is asynchronous offscreen too)."""
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def letter(ws, ids):
    return {v: k for k, v in ids.items()}[ws.current.id]


def test_queue_is_flagged_parts_by_risk_and_keys_move_through_it(qtbot, ws, data):
    p, run, ids = data
    assert [r.id for r in ws.queue.items] == [ids["A"], ids["B"], ids["C"]]
    assert letter(ws, ids) == "A" and ws.view.layer is not None
    assert ws.view.layer.width == W and len(ws.view.outlines) == 1
    press(qtbot, ws, Qt.Key.Key_J)
    assert letter(ws, ids) == "B"
    ws.activated()  # back from another workspace: same run, same part
    assert letter(ws, ids) == "B"
    press(qtbot, ws, Qt.Key.Key_Down)
    assert letter(ws, ids) == "C"
    press(qtbot, ws, Qt.Key.Key_J, wait_shown=False)  # the end: stays
    assert letter(ws, ids) == "C"
    press(qtbot, ws, Qt.Key.Key_K)
    assert letter(ws, ids) == "B"
    press(qtbot, ws, Qt.Key.Key_Up)
    assert letter(ws, ids) == "A"
    assert ws.queue_panel.list.currentIndex().row() == 0
    assert "Reviewed 0 / 3" in ws.queue_panel.progress.text()


def test_confirm_override_and_progress(qtbot, ws, data):
    p, run, ids = data
    time.sleep(0.05)  # the reviewer looks at the part
    with qtbot.waitSignal(ws.decided):
        press(qtbot, ws, Qt.Key.Key_C)
    [d] = p.runs.decisions(ids["A"])
    assert (d.decision, d.grade) == ("confirm", "SCRAP") and d.seconds >= 0.05
    assert letter(ws, ids) == "B"  # moved on
    assert "Reviewed 1 / 3" in ws.queue_panel.progress.text()
    assert "mean" in ws.queue_panel.progress.text() and "—" not in ws.queue_panel.progress.text()

    press(qtbot, ws, Qt.Key.Key_O, wait_shown=False)
    dialog = active_dialog(qtbot, ws.override_dialog)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not dialog.grade_buttons["REWORK"].isEnabled()  # the model's grade
    qtbot.mouseClick(dialog.grade_buttons["SCRAP"], Qt.MouseButton.LeftButton)
    assert dialog.grade == "SCRAP" and not ok.isEnabled()  # no reason yet
    QTest.keyClick(dialog, Qt.Key.Key_1)  # grade by its number: OK
    assert dialog.grade == "OK"
    reflection = dialog.reasons.findItems("reflection", Qt.MatchFlag.MatchExactly)[0]
    rect = dialog.reasons.visualItemRect(reflection)
    qtbot.mouseClick(dialog.reasons.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.keyClicks(dialog.note, "seen at 45 degrees")
    assert ok.isEnabled()
    with qtbot.waitSignal(ws.decided):
        QTest.keyClick(dialog.note, Qt.Key.Key_Return)
    [d] = p.runs.decisions(ids["B"])
    assert (d.decision, d.grade, d.reason) == ("override", "OK", "reflection: seen at 45 degrees")
    assert p.runs.result(ids["B"]).final_grade == "OK"
    audit = p.audit.list(entity="inspection_result")
    assert [a.action for a in audit] == ["review.override", "review.confirm"]
    assert audit[0].detail["reason"] == "reflection: seen at 45 degrees"
    assert "Reviewed 2 / 3" in ws.queue_panel.progress.text()
    assert "2 reviewed, 1 overridden" in ws.summary.totals.text()


def test_override_needs_a_reason_and_cancel_records_nothing(qtbot, ws, data):
    p, run, ids = data
    press(qtbot, ws, Qt.Key.Key_O, wait_shown=False)
    dialog = active_dialog(qtbot, ws.override_dialog)
    assert dialog.grade == "REWORK"  # pre-picked: one grade better than SCRAP
    other = dialog.reasons.findItems("other", Qt.MatchFlag.MatchExactly)[0]
    dialog.reasons.setCurrentItem(other)
    QTest.keyClick(dialog.reasons, Qt.Key.Key_Return)  # "other" without a note: refused
    assert dialog.isVisible() and p.runs.decisions(ids["A"]) == []
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and p.runs.decisions(ids["A"]) == []
    assert letter(ws, ids) == "A"


def test_send_to_labeling_adds_the_image_with_a_boxes_prelabel(qtbot, ws, data):
    p, run, ids = data
    before = {i.rel_path for i in p.images.list()}
    with qtbot.waitSignal(ws.decided):
        press(qtbot, ws, Qt.Key.Key_L)
    [new] = [i for i in p.images.list() if i.rel_path not in before]
    assert new.rel_path == "line3/part-A.png" and (new.width, new.height) == (W, H)
    [rev] = p.masks.revisions(new.id)
    assert rev.source == "prelabel" and rev.class_values == (1,)
    mask = p.masks.load(new.id)
    assert mask[10:20, 10:40].all() and mask.sum() == 300  # the crack's box, class 1
    [d] = p.runs.decisions(ids["A"])
    assert d.decision == "to_labeling" and d.grade == "SCRAP" and "boxes" in d.reason
    assert p.audit.list(action="review.to_labeling")[0].entity_id == ids["A"]
    # sending it again neither adds the image twice nor touches its labels
    press(qtbot, ws, Qt.Key.Key_K)
    with qtbot.waitSignal(ws.decided):
        press(qtbot, ws, Qt.Key.Key_L)
    assert len(p.images.list()) == len(before) + 1 and len(p.masks.revisions(new.id)) == 1


def test_send_to_labeling_predicts_with_the_runs_model(qtbot, tmp_path, monkeypatch):
    import app.jobs.prediction as prediction

    p, run, ids = build_project(tmp_path, model=True)
    calls = []

    def fake_predict(project, model_id, image_ids, ctx=None, **kw):
        calls.append((model_id, list(image_ids)))
        probs = np.zeros((2, H, W), np.uint8)
        probs[0, 10:20, 10:40] = 230
        for i in image_ids:
            project.models.save_prediction(i, model_id, probs, [1, 2])
        return prediction.PredictReport(model_id, predicted=list(image_ids))

    monkeypatch.setattr(prediction, "predict_images", fake_predict)
    ws = open_workspace(qtbot, p)
    try:
        with qtbot.waitSignal(ws.prelabeler.done, timeout=10_000) as done:
            press(qtbot, ws, Qt.Key.Key_L)
        image_id, kind = done.args
        assert kind == "prediction" and calls == [(run.model_id, [image_id])]
        probs, values = p.models.load_prediction(image_id, run.model_id)
        assert values == [1, 2] and probs[0, 15, 20] == 230
        assert p.masks.revisions(image_id) == []  # the Label workspace offers the prediction
        assert p.runs.decisions(ids["A"])[0].decision == "to_labeling"
    finally:
        ws.shutdown()
        p.close()


def test_filters_by_grade_and_by_reviewed(qtbot, ws, data):
    p, run, ids = data
    filters = ws.queue_panel.filters
    assert [filters.grade.itemText(i) for i in range(filters.grade.count())] == [
        "Any", "OK", "REWORK", "SCRAP"]
    with qtbot.waitSignal(ws.part_shown):
        filters.select(filters.grade, "REWORK")
    assert letter(ws, ids) == "B" and ws.queue_panel.model.rowCount() == 1
    press(qtbot, ws, Qt.Key.Key_J, wait_shown=False)
    assert letter(ws, ids) == "B"
    assert "1 shown" in ws.queue_panel.progress.text()
    filters.select(filters.grade, "Any")  # B passes: it stays shown
    assert letter(ws, ids) == "B" and ws.queue_panel.model.rowCount() == 3
    filters.select(filters.zone, "sealing face")
    assert [r.id for r in ws.queue.visible_items()] == [ids["A"]]
    filters.select(filters.zone, "Any")
    filters.select(filters.defect_class, "pore")
    assert [r.id for r in ws.queue.visible_items()] == [ids["B"], ids["C"]]
    filters.select(filters.defect_class, "Any")
    filters.select(filters.reviewed, "Not reviewed")
    assert letter(ws, ids) == "B"
    with qtbot.waitSignal(ws.decided):
        press(qtbot, ws, Qt.Key.Key_C)  # B leaves the list; C is next
    assert letter(ws, ids) == "C"
    assert [r.id for r in ws.queue.visible_items()] == [ids["A"], ids["C"]]


def test_reference_part_toggles_with_r(qtbot, ws, data):
    assert not ws.reference_view.isVisible()
    QTest.keyClick(ws.view, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: ws.reference_view.layer is not None, timeout=10_000)
    assert ws.reference_view.isVisible() and ws.reference.name == "good-01.png"
    assert ws.reference_view.title.startswith("Reference")
    QTest.keyClick(ws.view, Qt.Key.Key_R)
    assert not ws.reference_view.isVisible()


def test_summary_charts_and_report_export(qtbot, ws, data, tmp_path):
    p, run, ids = data
    assert ws.summary.grades.values() == [("OK", 2), ("REWORK", 1), ("SCRAP", 1), ("error", 1)]
    assert ws.summary.by_class.values() == [("pore", 2), ("crack", 1)]
    assert ws.summary.by_zone.values() == [("whole-image", 2), ("sealing face", 1)]
    with qtbot.waitSignal(ws.exporter.written, timeout=20_000) as written:
        ws.exporter.export_to(p, run.id, tmp_path / "report")
    assert written.args[0].csv.read_text().count("\n") == 6  # header + 5 parts


def test_audit_view_opens_from_the_workspace(qtbot, ws, data):
    p, run, ids = data
    with qtbot.waitSignal(ws.decided):
        press(qtbot, ws, Qt.Key.Key_C)
    QTest.keyClick(ws.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    view = ws.audit_view
    assert view is not None and view.isVisible()
    assert view.model.rowCount() == 1 and view.model.rows[0].action == "review.confirm"
    assert ws.action("review.audit") in ws.workspace_actions()
    view.close()


def test_read_only_project_allows_browsing_only(qtbot, tmp_path):
    p, run, ids = build_project(tmp_path)
    p.close()
    ro = Project.open(tmp_path / "review.dsproj", readonly=True)
    ws = open_workspace(qtbot, ro)
    try:
        assert not ws.action("review.confirm").isEnabled()
        press(qtbot, ws, Qt.Key.Key_J)
        assert ws.current.id == ids["B"]
    finally:
        ws.shutdown()
        ro.close()
