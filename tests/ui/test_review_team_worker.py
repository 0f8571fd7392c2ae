"""Review's new-run dialog on a team project: "Run on: team worker" queues the inspection (the
jobs row), a worker runs it, and the run opens in the client when the job ends."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.jobs.worker import Worker
from app.store import Project
from app.ui.review.run_dialog import images_in
from app.ui.review.workspace import ReviewWorkspace
from tests.support.inspection import add_model, size_recipe, write_parts

pytestmark = pytest.mark.usefixtures("offline", "one_thread")


def test_team_worker_inspects_and_the_run_opens_here(qtbot, pg_url, tmp_path, monkeypatch):
    with Project.open(pg_url) as team:
        model_id = add_model(team)
        team.recipes.save("size", size_recipe(team.classes.by_name("spot").value).to_dict())
        parts = images_in(write_parts(tmp_path / "nas" / "lot"))
        ws = ReviewWorkspace()
        qtbot.addWidget(ws)
        ws.resize(1200, 800)
        ws.show()
        ws.set_project(team)
        try:
            QTest.mouseClick(ws.run_bar.new, Qt.MouseButton.LeftButton)
            dialog = ws.launcher.dialog
            dialog.set_images(parts)
            assert dialog.run_on.isVisibleTo(dialog)
            dialog.run_on.combo.setFocus()
            QTest.keyClick(dialog.run_on.combo, Qt.Key.Key_Down)
            assert dialog.run_on.combo.currentText() == "Team worker"
            QTest.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok),
                             Qt.MouseButton.LeftButton)

            [job] = team.jobs.list()
            assert (job.kind, job.status) == ("inspect", "queued")
            # the parts travel as <storage root>/<path>: the worker finds them through its own
            # mapping of the root, not through this workstation's folder names
            assert job.params["images"] == [f"lot/{p.name}" for p in dialog.images]
            assert (job.params["model_id"], job.params["recipe"]) == (model_id, "size@1")
            assert ws.run_bar.cancel.isVisibleTo(ws) and not ws.run_bar.new.isEnabled()
            assert "Queued for the team worker" in ws.run_bar.message.toolTip() + \
                ws.run_bar.message.text()

            import shutil

            monkeypatch.setenv("DEFECT_STUDIO_TEAM_DIR", str(tmp_path / "gpu-box"))
            shutil.copytree(tmp_path / "nas" / "lot", tmp_path / "mnt" / "parts")
            with Project.open(pg_url) as server:
                server.roots.map("lot", tmp_path / "mnt" / "parts")  # the worker's mount
                worker = Worker(server, "gpu-box", "cpu")
                thread = threading.Thread(target=worker.run, kwargs={"once": True})
                with qtbot.waitSignal(ws.launcher.finished, timeout=60_000) as ended:
                    thread.start()
                thread.join(60)
            row = team.jobs.get(job.id)
            assert row.status == "done", row.error
            assert ended.args == [row.result["run_id"]]
            run = team.runs.get(row.result["run_id"])
            assert (run.status, run.model_id) == ("done", model_id)
            assert ws.run is not None and ws.run.id == run.id
            results = team.runs.results(run.id)
            assert len(results) == len(parts)  # every part, unreadable too
            assert sorted(r.image_path for r in results) == sorted(f"lot/{p.name}" for p in parts)
            assert ws.queue.total >= 1  # shown under the queue's filter
            assert ws.run_bar.new.isEnabled() and not ws.run_bar.cancel.isVisibleTo(ws)
        finally:
            ws.shutdown()
