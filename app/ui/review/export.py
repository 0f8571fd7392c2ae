"""ReportExporter: "Export report…" asks for a folder and writes the run's report there
(app.jobs.reports.write_report: CSV, JSON, summary and charts) on a worker thread."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog

from app.ui import errors
from app.ui.workers import JobRunner


class ReportExporter(QObject):
    message = Signal(str)
    written = Signal(object)  # app.jobs.reports.ReportFiles

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.runner = JobRunner(self)
        self.runner.succeeded.connect(self._written)
        self.runner.failed.connect(errors.report_job_failure)

    def export(self, project, run, parent=None) -> None:
        start = project.root / f"{project.name}-run-{run.id}-report"
        folder = QFileDialog.getExistingDirectory(parent, "Folder for the report", str(start))
        if folder:
            self.export_to(project, run.id, folder)

    def export_to(self, project, run_id: int, folder: str | Path) -> None:
        if self.runner.running:
            return
        from app.jobs.reports import write_report

        self.message.emit(f"Writing the report of run {run_id}…")
        self.runner.start(lambda ctx: write_report(project, run_id, Path(folder), ctx))

    def stop(self) -> None:
        self.runner.cancel()
        self.runner.wait()

    def _written(self, files) -> None:
        self.message.emit(f"Report written to {files.csv.parent}")
        self.written.emit(files)
