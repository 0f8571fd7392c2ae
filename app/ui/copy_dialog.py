"""File > Copy project to...: the open project (a file or a team database) copied with every row
to a new project file or an empty team database (app/store/project_copy.py), off the UI thread.

The team password is used for this copy only: never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.store import EXTENSION, ProjectError
from app.store.location import TeamUrl, is_team_url
from app.ui.workers import JobRunner


@dataclass(frozen=True)
class CopyFailed:
    """Why a copy was not made (the destination is as it was)."""

    message: str


def run_copy(project, dst, ctx):
    from app.store.project_copy import copy_project

    try:
        return copy_project(project, dst, log=ctx.log)
    except (ProjectError, OSError) as e:
        return CopyFailed(str(e))


class CopyProjectDialog(QDialog):
    copied = Signal(object)  # the CopyReport, after a copy was made

    def __init__(self, project, parent=None, job=run_copy):
        super().__init__(parent)
        self.setWindowTitle("Copy project")
        self.setMinimumWidth(560)
        self._project, self._job = project, job
        self.report = None
        self.runner = JobRunner(self)
        self.runner.succeeded.connect(self._succeeded)
        self.runner.failed.connect(lambda message, _tb: self._done(
            f"The copy failed; nothing was made.\n{message}"))

        self.intro = QLabel(f"Copy {project.location} with every row (audit trail, mask "
                            "revisions, recipes, review decisions, models) to a new project "
                            "file or an empty team database.", wordWrap=True)
        self.to_file = QRadioButton("A new project file")
        self.to_team = QRadioButton("An empty team database")
        self.kind = QButtonGroup(self)
        self.kind.addButton(self.to_file)
        self.kind.addButton(self.to_team)
        self.to_file.setChecked(True)
        self.file_edit = QLineEdit(placeholderText=f"new project file ({EXTENSION})")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        file_row = QWidget()
        row = QHBoxLayout(file_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.file_edit, 1)
        row.addWidget(browse)
        self.url_edit = QLineEdit(placeholderText="postgresql+psycopg://user@host/database")
        self.password_edit = QLineEdit(placeholderText="asked for this copy only, not stored")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow("", self.to_file)
        form.addRow("File:", file_row)
        form.addRow("", self.to_team)
        form.addRow("Address:", self.url_edit)
        form.addRow("Password:", self.password_edit)
        self._file_widgets = (file_row,)
        self._team_widgets = (self.url_edit, self.password_edit)
        self.to_file.toggled.connect(self._sync)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setVisible(False)
        self.message = QLabel(wordWrap=True)
        self.buttons = QDialogButtonBox()
        self.copy_button = self.buttons.addButton("Copy", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.copy_button.clicked.connect(self.start)
        self.close_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        for w in (self.progress, self.message, self.buttons):
            layout.addWidget(w)
        self._sync()

    def _sync(self) -> None:
        for w in self._file_widgets:
            w.setEnabled(self.to_file.isChecked())
        for w in self._team_widgets:
            w.setEnabled(self.to_team.isChecked())

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Copy to a new project file",
                                              self.file_edit.text(),
                                              f"Defect Studio project (*{EXTENSION})")
        if path:
            self.file_edit.setText(path)

    def destination(self) -> Path | TeamUrl:
        """What the fields name; ProjectError (in the user's words) when they name nothing."""
        if self.to_file.isChecked():
            text = self.file_edit.text().strip()
            if not text:
                raise ProjectError("Choose the new project file.")
            return Path(text).expanduser()
        text = self.url_edit.text().strip()
        if not is_team_url(text):
            raise ProjectError("Type the team database's address: "
                               "postgresql+psycopg://user@host/database")
        return TeamUrl.parse(text, self.password_edit.text() or None)

    def start(self) -> bool:
        """Checks the fields and starts the copy; False (with the reason shown) when not."""
        if self.runner.running:
            return False
        try:
            dst = self.destination()
        except ProjectError as e:
            self.message.setText(str(e))
            return False
        self.report = None
        self._set_busy(True)
        self.message.setText(f"Copying to {dst}…")
        project, job = self._project, self._job
        self.runner.start(lambda ctx: job(project, dst, ctx))
        return True

    def reject(self) -> None:
        if self.runner.running:  # a copy is all or nothing: it ends before the dialog does
            self.message.setText("The copy finishes first (it is all or nothing).")
            return
        super().reject()

    def _succeeded(self, result) -> None:
        if isinstance(result, CopyFailed):
            self._done(f"No copy was made.\n{result.message}")
            return
        self.report = result
        lines = [result.summary(), *(f"warning: {w}" for w in result.warnings)]
        self._done("\n".join(lines))
        self.copied.emit(result)

    def _done(self, message: str) -> None:
        self._set_busy(False)
        self.message.setText(message)

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        for w in (self.to_file, self.to_team, self.copy_button, self.close_button):
            w.setEnabled(not busy)
        if busy:
            for w in (*self._file_widgets, *self._team_widgets):
                w.setEnabled(False)
        else:
            self._sync()
