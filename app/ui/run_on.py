"""RunOnChoice: "Run on: this workstation / team worker", shown for a team project only.

"Team worker" queues the job in the project's store (app/store/jobs_repo.py); the machine that
runs `defect-studio worker URL` (the one with the GPU) claims and runs it, and this window
follows its progress (app/ui/queued_job.py). "Jobs…" lists the team's jobs, whoever queued
them, and cancels any of them (app/ui/jobs_dialog.py).
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

HERE, WORKER = "here", "worker"


class RunOnChoice(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.addItem("This workstation", HERE)
        self.combo.addItem("Team worker", WORKER)
        self.combo.setToolTip("Team worker: queue the job for the machine that runs "
                              "`defect-studio worker` (the one with the GPU); its progress "
                              "shows here and on every client, and any client can cancel it")
        self.jobs_button = QPushButton("Jobs…")
        self.jobs_button.setToolTip("The team's worker jobs: progress, and cancel any of them")
        self.jobs_button.clicked.connect(self.show_jobs)
        self.project = None
        self.jobs_dialog = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Run on:"))
        row.addWidget(self.combo, 1)
        row.addWidget(self.jobs_button)
        self.hide()

    def set_project(self, project) -> None:
        """Shown for a team project; a project file runs everything here."""
        team = project is not None and project.is_team
        self.project = project
        if self.jobs_dialog is not None:
            self.jobs_dialog.close()
            self.jobs_dialog = None
        self.setVisible(team)
        if not team:
            self.combo.setCurrentIndex(0)

    def remote(self) -> bool:
        """True: queue the job for the team worker (only ever for a team project)."""
        return not self.isHidden() and self.combo.currentData() == WORKER

    def show_jobs(self):
        """Opens the team's job list (non-modal)."""
        from .jobs_dialog import TeamJobsDialog

        if self.project is None:
            return None
        if self.jobs_dialog is not None:
            self.jobs_dialog.close()
        self.jobs_dialog = TeamJobsDialog(self.project, self.window())
        self.jobs_dialog.show()
        return self.jobs_dialog
