"""Starting and resuming inspection runs from the Review workspace (the job is faked: the real
one needs a trained model), and the workspace inside the main window."""

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

import app.jobs.inspection as inspection
from app.core.inspection_record import InspectionRecord
from app.ui import actions
from app.ui.review.workspace import ReviewWorkspace
from tests.support.review_ui import build_project, open_workspace, write_png

calls_gate: dict = {}  # part index -> threading.Event the fake job waits on after that part


@pytest.fixture
def fake_inspect(monkeypatch):
    calls = []
    calls_gate.clear()

    def inspect(project, images, model_id, recipe_ref, ctx=None, *, run_id=None, name=None,
                on_result=None, anomaly_model_id=None):
        calls.append({"images": images, "model_id": model_id, "recipe_ref": recipe_ref,
                      "run_id": run_id, "name": name})
        if run_id is None:
            recipe = project.recipes.get(recipe_ref)
            run_id = project.runs.create(name, model_id, recipe.id).id
        for i, path in enumerate(images or []):
            ctx.progress(i, len(images), f"Inspecting {path}")
            rid = project.runs.add_result(run_id, str(path), InspectionRecord(
                "SCRAP", risk=0.5 + i / 10, flagged=True))
            if on_result is not None:
                on_result(inspection.PartResult(rid, str(path), "SCRAP", 0.5 + i / 10, True,
                                                None))
            gate = calls_gate.get(i)
            if gate is not None:  # a test holds the job here to look at the queue meanwhile
                gate.wait(10)
        project.runs.set_status(run_id, "done")
        return project.runs.get(run_id)

    monkeypatch.setattr(inspection, "inspect", inspect)
    return calls


def test_new_run_dialog_starts_the_inspection_and_shows_the_run(qtbot, tmp_path, fake_inspect):
    p, run, ids = build_project(tmp_path, model=True)
    ws = open_workspace(qtbot, p)
    try:
        QTest.mouseClick(ws.run_bar.new, Qt.MouseButton.LeftButton)
        dialog = ws.launcher.dialog
        start = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
        assert not start.isEnabled()  # no images yet
        parts = [write_png(tmp_path / "lot43" / f"n{i}.png", 50 + i).path for i in range(2)]
        dialog.set_images(parts)
        assert dialog.recipe.currentData() == "housing@1"
        assert start.isEnabled()
        with qtbot.waitSignal(ws.launcher.finished, timeout=10_000):
            QTest.mouseClick(start, Qt.MouseButton.LeftButton)
        [call] = fake_inspect
        assert call["model_id"] == run.model_id and call["recipe_ref"] == "housing@1"
        assert [str(x) for x in call["images"]] == parts
        assert ws.run.id != run.id and ws.run.name == call["name"]
        assert ws.queue.total == 2 and ws.queue.items[0].risk == 0.6
        assert ws.current is not None  # parts arrive in bursts: the first shown stays shown
        assert not ws.run_bar.progress.isVisible() and ws.run_bar.new.isEnabled()
    finally:
        ws.shutdown()
        p.close()


def test_the_queue_fills_while_the_run_works(qtbot, tmp_path, fake_inspect):
    p, run, ids = build_project(tmp_path, model=True)
    ws = open_workspace(qtbot, p)
    hold = calls_gate[1] = threading.Event()
    try:
        QTest.mouseClick(ws.run_bar.new, Qt.MouseButton.LeftButton)
        dialog = ws.launcher.dialog
        parts = [write_png(tmp_path / "lot44" / f"n{i}.png", 60 + i).path for i in range(3)]
        dialog.set_images(parts)
        QTest.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)
        # two parts graded, the job still working: they are in the queue already
        qtbot.waitUntil(lambda: ws.run is not None and ws.run.id != run.id
                        and ws.queue.total == 2, timeout=10_000)
        assert ws.launcher.runner.running
        assert ws.queue_panel.model.rowCount() == 2
        assert ws.queue_panel.progress.text().startswith("Reviewed 0 / 2")
        assert ws.current is not None
        qtbot.waitUntil(lambda: bool(ws.view.title), timeout=5000)  # a part is on screen
        assert ws.launcher.runner.running
        first = ws.current.id
        with qtbot.waitSignal(ws.launcher.finished, timeout=10_000):
            hold.set()
        assert ws.queue.total == 3 and ws.queue_panel.model.rowCount() == 3
        assert ws.current.id == first  # the part under review stays, the riskier one joins
        assert ws.queue.items[0].risk == 0.7 and ws.run.status == "done"
    finally:
        hold.set()
        ws.shutdown()
        p.close()


def test_resume_goes_on_with_an_unfinished_run(qtbot, tmp_path, fake_inspect):
    p, run, ids = build_project(tmp_path, model=True)
    p.runs.set_status(run.id, "canceled")
    ws = open_workspace(qtbot, p)
    try:
        assert ws.run.id == run.id and ws.run_bar.resume.isVisible()
        with qtbot.waitSignal(ws.launcher.finished, timeout=10_000):
            QTest.mouseClick(ws.run_bar.resume, Qt.MouseButton.LeftButton)
        assert fake_inspect == [{"images": None, "model_id": None, "recipe_ref": None,
                                 "run_id": run.id, "name": None}]
        assert ws.run.id == run.id and ws.run.status == "done"
        assert not ws.run_bar.resume.isVisible()
    finally:
        ws.shutdown()
        p.close()


@pytest.fixture
def workspace_registry():
    """The real Label and Review workspaces in the main window (conftest's window fixtures)."""
    from app.ui.workspaces import lazy

    return [("Label", lazy("app.ui.label.workspace", "LabelWorkspace")),
            ("Review", ReviewWorkspace)]


def test_review_in_the_main_window(qtbot, main_window):
    window = main_window
    rows = actions.shortcut_rows(window)
    assert actions.conflicts(rows) == {}
    assert window.show_workspace("Review")
    review = window.current_workspace()
    review_rows = {r.action: r.shortcut for r in rows if r.where == "Review"}
    assert review_rows["Audit trail"] == "Ctrl+Shift+A" and review_rows["Next part"] == "J, Down"
    assert review.project is window.project
    assert review.run is None and review.view.layer is None  # no runs in this project
    QTest.keyClick(review.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert review.audit_view is not None and review.audit_view.isVisible()
    review.audit_view.close()
