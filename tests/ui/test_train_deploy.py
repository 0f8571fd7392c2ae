"""Deploy from the Train workspace: a good-parts-only model, chosen in the models table, is
written with a recipe as a package and checked on a folder of parts, all through the GUI."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.jobs.deploy import open_package
from app.ui.train.workspace import TrainWorkspace
from tests.support.deploy import good_only_line, good_only_samples


@pytest.fixture
def workspace_registry():
    return [("Train", TrainWorkspace)]


def test_a_good_only_model_deploys_from_the_train_workspace(qtbot, bare_window, tmp_path):
    project, row, _ = good_only_line(tmp_path / "line")
    path = project.path
    project.close()
    samples = good_only_samples(tmp_path / "samples")
    window = bare_window
    assert window.open_project(path)
    window.show_workspace("Train")
    ws = next(w for w in window.workspaces() if isinstance(w, TrainWorkspace))
    panel = ws.models
    assert panel.selected_ids() == [row.id] and panel.deploy.isEnabled()
    qtbot.mouseClick(panel.deploy, Qt.MouseButton.LeftButton)
    dialog = ws.deploy_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.recipe.currentText() == "holes@1"

    def deploy_to(target) -> str:
        dialog.out.clear()
        qtbot.keyClicks(dialog.out, str(target))
        qtbot.mouseClick(dialog.deploy_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not dialog.runner.running, timeout=240_000)
        return dialog.status.text()

    # A folder that is not empty: said in the dialog, nothing written
    before = sorted(samples.iterdir())
    assert deploy_to(samples).startswith("Not deployed:")
    assert "not an empty folder" in dialog.status.text() and sorted(samples.iterdir()) == before

    qtbot.keyClicks(dialog.parts, str(samples))
    text = deploy_to(tmp_path / "holes.zip")
    assert text.startswith(f"Package written: {tmp_path / 'holes.zip'}")
    assert "Checked on 8 parts" in text and "grades every part as the app" in text
    report = dialog.outcome.report
    assert report.ok and report.max_abs_diff <= 2 / 255
    assert {p.torch_grade for p in report.checked} == {"OK", "SCRAP"}
    with open_package(tmp_path / "holes.zip") as pkg:
        assert pkg.manifest["kind"] == "anomaly" and pkg.manifest["model"]["id"] == row.id
        assert pkg.manifest["recipe"]["ref"] == "holes@1"
        assert (pkg.root / "runner.py").is_file()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
