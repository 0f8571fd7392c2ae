"""RunOnChoice: "Run on: this workstation / team worker", shown for a team project only.

"Team worker" queues the job in the project's store (app/store/jobs_repo.py); the machine that
runs `defect-studio worker URL` (the one with the GPU) claims and runs it, and this window
follows its progress (app/ui/queued_job.py).
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

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
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Run on:"))
        row.addWidget(self.combo, 1)
        self.hide()

    def set_project(self, project) -> None:
        """Shown for a team project; a project file runs everything here."""
        team = project is not None and project.is_team
        self.setVisible(team)
        if not team:
            self.combo.setCurrentIndex(0)

    def remote(self) -> bool:
        """True: queue the job for the team worker (only ever for a team project)."""
        return not self.isHidden() and self.combo.currentData() == WORKER

    def choose(self, where: str) -> None:
        self.combo.setCurrentIndex(self.combo.findData(where))
