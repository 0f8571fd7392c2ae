"""The Train workspace on a team project: "Run on: team worker" queues the training (the jobs
row), the status bar line and the curves follow the worker's job from the store, and Stop
cancels it from this client."""

from __future__ import annotations

import hashlib
import threading

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.jobs.worker import Worker
from app.store import NewImage, Project
from app.ui.job_status import JobStatusLabel
from app.ui.train.workspace import TrainWorkspace
from tests.support.tiny_project import make_part
from tests.support.train_ui import tiny_settings

pytestmark = pytest.mark.usefixtures("offline")  # tests/ui/conftest.py


def fill(project, folder, n: int = 6, size: int = 40) -> None:
    """n labeled parts (every fourth good) of one class "spot", as tests/support/tiny_project."""
    rng = np.random.default_rng(0)
    spot = project.classes.add("spot", "#ff0000")
    items, masks = [], []
    for i in range(n):
        image, mask = make_part(rng, size, defect=i % 4 != 3)
        file = folder / f"part_{i:02d}.png"
        file.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(file), image)
        data = file.read_bytes()
        items.append(NewImage(str(file), hashlib.sha256(data).hexdigest(), len(data), size, size,
                              8, 1, is_good=i % 4 == 3))
        masks.append(mask * spot.value)
    ids = project.images.add_many(items).added
    for image_id, mask in zip(ids, masks, strict=True):
        project.masks.save(image_id, mask, source="import")
    project.images.set_status(ids, "labeled")


@pytest.fixture
def team(pg_url, tmp_path):
    with Project.open(pg_url) as p:
        fill(p, tmp_path / "nas" / "lot1")
        yield p


@pytest.fixture
def train_ws(qtbot, team):
    ws = TrainWorkspace()
    qtbot.addWidget(ws)
    status = JobStatusLabel()
    ws.job_progress.connect(lambda text: status.show_line(ws.title, text))
    ws.set_project(team)
    ws.show()
    yield ws, status
    ws.shutdown()


def choose_team_worker(qtbot, ws) -> None:
    assert ws.run_on.isVisibleTo(ws) and ws.run_on.combo.currentText() == "This workstation"
    ws.run_on.combo.setFocus()
    qtbot.keyClick(ws.run_on.combo, Qt.Key.Key_Down)
    assert ws.run_on.combo.currentText() == "Team worker"


def test_a_project_file_has_no_run_on_choice(qtbot, tmp_path):
    ws = TrainWorkspace()
    qtbot.addWidget(ws)
    with Project.create(tmp_path / "one.dsproj") as p:
        ws.set_project(p)
        assert not ws.run_on.isVisibleTo(ws) and not ws.run_on.remote()
        ws.set_project(None)


def test_team_worker_queues_the_training_and_stop_cancels_it(qtbot, train_ws, team):
    ws, status = train_ws
    tiny_settings(ws, epochs=3)
    choose_team_worker(qtbot, ws)
    qtbot.mouseClick(ws.start_button, Qt.MouseButton.LeftButton)

    [job] = team.jobs.list()
    assert (job.kind, job.status, job.created_by) == ("train", "queued", team.db.identity)
    assert job.params["spec"] == ws.form.spec().to_dict()
    assert job.params["config"]["epochs"] == 3 and job.params["predict"] is True
    assert ws.training and not ws.start_button.isEnabled() and ws.stop_button.isEnabled()
    assert status.text() == f"Training: queued for the team worker (job {job.id})"

    qtbot.mouseClick(ws.stop_button, Qt.MouseButton.LeftButton)  # no worker took it yet
    qtbot.waitUntil(lambda: not ws.training, timeout=5_000)
    row = team.jobs.get(job.id)
    assert (row.status, row.cancel_requested) == ("canceled", True)
    assert status.text() == "" and ws.start_button.isEnabled()
    assert [r.action for r in team.audit.list(entity="job")] == ["job.cancel", "job.enqueue"]


@pytest.mark.usefixtures("one_thread")
def test_the_worker_s_curves_and_model_show_in_the_client(qtbot, train_ws, team, pg_url):
    ws, status = train_ws
    tiny_settings(ws, epochs=2)
    ws.form.encoder.setCurrentIndex(ws.form.encoder.findData("resnet18"))
    choose_team_worker(qtbot, ws)
    qtbot.mouseClick(ws.start_button, Qt.MouseButton.LeftButton)
    job_id = ws.queued.job_id
    lines = []
    status.setText = lambda text, real=status.setText: (lines.append(text), real(text))

    with Project.open(pg_url) as server:
        worker = Worker(server, "gpu-box", "cpu", poll_s=0.2)
        thread = threading.Thread(target=worker.run, kwargs={"once": True})
        thread.start()
        try:
            qtbot.waitUntil(lambda: not ws.training, timeout=120_000)
        finally:
            worker.stop()
            thread.join(60)
    row = team.jobs.get(job_id)
    assert row.status == "done", row.error
    # The curves were drawn from the worker's events: both epochs' validation points.
    assert len(ws.curves.epochs) == 2
    assert any(line.startswith("Training epoch") for line in lines)
    # The model the worker registered is in the list, with the client's final word.
    model = team.models.get(row.result["model_id"])
    assert model.name in ws.progress_text.text()
    assert f"Model {model.id} ({model.name}) trained" in ws.log_view.toPlainText()


def test_any_client_cancels_any_team_job_from_the_jobs_list(qtbot, train_ws, team, pg_url):
    ws, _status = train_ws
    with Project.open(pg_url) as other:  # another client queued two; a worker runs the first
        first = other.jobs.enqueue("echo", {"seconds": 60})
        second = other.jobs.enqueue("echo", {"seconds": 60})
        claim = other.jobs.claim("gpu-box")
        assert claim.id == first.id
        qtbot.mouseClick(ws.run_on.jobs_button, Qt.MouseButton.LeftButton)
        dialog = ws.run_on.jobs_dialog
        qtbot.addWidget(dialog)
        assert [dialog.table.item(i, 2).text() for i in range(2)] == ["queued", "running"]
        assert dialog.table.item(1, 4).text() == "gpu-box"
        assert dialog.note.text() == "1 running, 1 waiting"
        assert not dialog.cancel_button.isEnabled()  # nothing selected

        def cancel_row(i: int) -> None:
            rect = dialog.table.visualItemRect(dialog.table.item(i, 1))
            qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton,
                             pos=rect.center())
            assert dialog.selected().id == dialog.rows[i].id
            qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)

        cancel_row(1)  # the running one: its worker is asked
        assert other.jobs.get(first.id).cancel_requested
        assert other.jobs.get(first.id).status == "running"
        assert other.jobs.heartbeat(claim) is True  # what the worker hears
        assert dialog.note.text() == f"Job {first.id}: asked gpu-box to stop it"
        assert dialog.table.item(1, 2).text() == "running (stop asked)"
        cancel_row(0)  # the queued one ends at once
        assert other.jobs.get(second.id).status == "canceled"
        assert dialog.table.item(0, 2).text() == "canceled"
        dialog.close()


def test_a_reopened_window_follows_the_training_it_queued(qtbot, team):
    from app.jobs.queue_kinds import train_params

    theirs = team.jobs.enqueue("train", train_params(None, {"epochs": 1}))
    mine = team.jobs.enqueue("train", train_params(None, {"epochs": 2}))
    # The test has one database role: the older job is made another person's (not followed).
    from sqlalchemy import update

    from app.store.schema import Job

    with team.db.session() as s:
        s.execute(update(Job).where(Job.id == theirs.id).values(created_by="someone-else"))
    ws = TrainWorkspace()
    qtbot.addWidget(ws)
    status = JobStatusLabel()
    ws.job_progress.connect(lambda text: status.show_line(ws.title, text))
    ws.set_project(team)
    try:
        assert ws.training and ws.queued.job_id == mine.id and ws.stop_button.isEnabled()
        assert status.text() == f"Training on the team worker (job {mine.id})"
        qtbot.mouseClick(ws.stop_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not ws.training, timeout=5_000)
        assert team.jobs.get(mine.id).status == "canceled"
        assert team.jobs.get(theirs.id).status == "queued"
    finally:
        ws.shutdown()
