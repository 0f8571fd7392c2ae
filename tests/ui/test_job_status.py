"""The status bar's job line: a job's progress shows whichever workspace is shown, and goes when
the job says it is over (workspace messages: test_status_bar.py)."""

from __future__ import annotations


def test_job_lines_show_from_any_workspace(main_window):
    window = main_window
    label, grade, _missing = window.workspaces()  # the fake registry: Review is missing
    assert window.show_workspace("Grade")
    label.job_progress.emit("Training epoch 3/10 · ETA 40 s")  # shown from Grade
    assert window.job_status.isVisible() and window.job_status.text() == \
        "Training epoch 3/10 · ETA 40 s"
    grade.job_progress.emit("Predicting 12/40")
    assert window.job_status.text() == "Training epoch 3/10 · ETA 40 s · Predicting 12/40"
    label.job_progress.emit("")
    assert window.job_status.text() == "Predicting 12/40"
    grade.job_progress.emit("")
    assert window.job_status.text() == "" and not window.job_status.isVisible()
