"""The status bar: a workspace's messages show while it is the one shown; a job's progress line
shows whichever workspace is shown, and goes when the job says it is over."""

from __future__ import annotations


def test_messages_belong_to_their_workspace_job_lines_to_all(main_window):
    window = main_window
    label, grade = window.workspaces()
    bar = window.statusBar()
    assert window.show_workspace("Label")

    grade.status_message.emit("from grade")  # not shown: Grade is not the workspace on screen
    assert bar.currentMessage() == ""
    label.status_message.emit("from label")
    assert bar.currentMessage() == "from label"
    assert window.show_workspace("Grade")
    assert bar.currentMessage() == ""  # Label's message left with Label

    label.job_progress.emit("Training epoch 3/10 · ETA 40 s")  # shown from Grade
    assert window.job_status.isVisible() and window.job_status.text() == \
        "Training epoch 3/10 · ETA 40 s"
    grade.job_progress.emit("Predicting 12/40")
    assert window.job_status.text() == "Training epoch 3/10 · ETA 40 s · Predicting 12/40"
    label.job_progress.emit("")
    assert window.job_status.text() == "Predicting 12/40"
    grade.job_progress.emit("")
    assert window.job_status.text() == "" and not window.job_status.isVisible()
