"""Import images: pick folders, run app.jobs.importing off the UI thread, show the report."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.discover import FOLDER_NAME_PATTERN
from app.ui import errors
from app.ui.workers import JobRunner


def run_import(project, folder: str, masks: str | None, pattern: str | None, ctx):
    """The job (on the worker thread). Imported lazily: the window opens without it."""
    from app.jobs.importing import ImportOptions, import_folder

    return import_folder(project, folder, ImportOptions(masks_dir=masks, class_pattern=pattern),
                         ctx=ctx)


class ImportProblem(str):
    """An expected failure (project read-only, folder unreadable): shown, not an app error."""


def _guarded(job):
    def work(project, folder, masks, pattern, ctx):
        from app.store import ProjectError

        try:
            return job(project, folder, masks, pattern, ctx)
        except (ProjectError, OSError) as e:
            return ImportProblem(str(e))
    return work


def describe(report) -> tuple[str, list[str]]:
    """(summary line, one line per skipped file) of an ImportReport."""
    added, present = len(report.added), len(report.already_present)
    parts = [f"Added {added} image{'s' * (added != 1)}"]
    if present:
        parts.append(f"{present} already in the project")
    if report.skipped:
        parts.append(f"{len(report.skipped)} skipped")
    if getattr(report, "classes_created", None):
        parts.append("new classes: " + ", ".join(report.classes_created))
    lines = [f"{s.name}: {s.reason}" for s in report.skipped]
    lines += [f"warning: {w}" for w in getattr(report, "warnings", [])]
    return " · ".join(parts) + ".", lines


class _FolderField(QWidget):
    def __init__(self, placeholder: str, caption: str):
        super().__init__()
        self.edit = QLineEdit(placeholderText=placeholder)
        self.edit.setClearButtonEnabled(True)
        self._caption = caption
        self.button = browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(browse)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self._caption, self.edit.text())
        if folder:
            self.edit.setText(folder)


class ImportDialog(QDialog):
    imported = Signal(object)  # the ImportReport, after a successful import

    def __init__(self, project, parent=None, job=run_import):
        super().__init__(parent)
        self.setWindowTitle("Import images")
        self.setMinimumWidth(560)
        self._project, self._job = project, _guarded(job)
        self.report = None
        self._close_when_done = False
        self.runner = JobRunner(self)
        self.runner.progress.connect(self._progress)
        self.runner.succeeded.connect(self._succeeded)
        self.runner.failed.connect(self._failed)
        self.runner.canceled.connect(lambda: self._done("Import canceled; nothing was added."))

        self.folder = _FolderField("Folder with the images (searched recursively)",
                                   "Folder with the images")
        self.masks = _FolderField("Optional: masks beside the images, or in this folder",
                                  "Folder with the masks")
        self.by_folder = QCheckBox("Defect class from folder name")
        self.by_folder.setToolTip(
            "Each image's defect class is the name of its folder (crack/x.png: crack).\n"
            "Generic folders (Imgs, images, train, test, ...) are skipped; good/ or ok/ "
            "folders mark good parts.")
        self.advanced = QCheckBox("Advanced: a regular expression picks the class")
        self.pattern = QLineEdit(placeholderText=r"e.g. MT_(\w+): its first group names the class")
        self.pattern.setToolTip("A regular expression matched against folder names; "
                                "its first group names the defect class")
        self.advanced.setVisible(False)
        self.pattern.setVisible(False)
        self.by_folder.toggled.connect(self._sync_class_fields)
        self.advanced.toggled.connect(self._sync_class_fields)
        form = QFormLayout()
        form.addRow("Images:", self.folder)
        form.addRow("Masks:", self.masks)
        form.addRow("", self.by_folder)
        form.addRow("", self.advanced)
        form.addRow("Pattern:", self.pattern)
        self._pattern_label = form.labelForField(self.pattern)
        self._pattern_label.setVisible(False)
        note = QLabel("Images are referenced where they are, not copied: keep the folder in "
                      "place, or use Relink folder… after moving it.", wordWrap=True)
        note.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.message = QLabel(wordWrap=True)
        self.skipped = QListWidget()
        self.skipped.setVisible(False)
        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton("Import",
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setVisible(False)
        self.import_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.reject)
        self.close_button.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        for w in (note, self.progress, self.message, self.skipped, self.buttons):
            if w is note:
                layout.addLayout(form)
            layout.addWidget(w)

    # -- thin API (tests and the window drive these; the fields are only their editors) -----
    def set_values(self, folder: str, masks: str = "", pattern: str = "",
                   by_folder: bool = False) -> None:
        """`pattern` (a regular expression) implies class from folder, in its advanced form."""
        self.folder.edit.setText(str(folder))
        self.masks.edit.setText(str(masks or ""))
        self.pattern.setText(pattern or "")
        self.by_folder.setChecked(by_folder or bool(pattern))
        self.advanced.setChecked(bool(pattern))

    def class_pattern(self) -> str:
        """The regular expression the import uses ("" when classes do not come from folders)."""
        if not self.by_folder.isChecked():
            return ""
        if self.advanced.isChecked():
            return self.pattern.text().strip()
        return FOLDER_NAME_PATTERN

    def _sync_class_fields(self) -> None:
        self.advanced.setVisible(self.by_folder.isChecked())
        regex = self.by_folder.isChecked() and self.advanced.isChecked()
        self.pattern.setVisible(regex)
        self._pattern_label.setVisible(regex)

    def start(self) -> bool:
        """Validate the fields and start the import; False (with a message) when invalid."""
        folder, masks = self.folder.edit.text().strip(), self.masks.edit.text().strip()
        pattern = self.class_pattern()
        if self.by_folder.isChecked() and self.advanced.isChecked() and not pattern:
            self.message.setText("Type the regular expression, or untick Advanced.")
            return False
        problem = _validate(folder, masks, pattern)
        if problem:
            self.message.setText(problem)
            return False
        self.report = None
        self.skipped.clear()
        self.skipped.setVisible(False)
        for w in (self.folder, self.masks, self.by_folder, self.advanced, self.pattern,
                  self.import_button):
            w.setEnabled(False)
        self.progress.setRange(0, 0)  # busy until the first count arrives
        self.progress.setVisible(True)
        self.message.setText("Looking for images…")
        project, job = self._project, self._job
        self.runner.start(lambda ctx: job(project, folder, masks or None, pattern or None, ctx))
        return True

    def cancel(self) -> None:
        self.runner.cancel()
        self.message.setText("Canceling…")

    def reject(self) -> None:
        # Closing while it runs cancels, then closes once the job has stopped.
        if self.runner.running:
            self._close_when_done = True
            self.cancel()
            return
        super().reject()

    # -- job signals ------------------------------------------------------------------------
    def _progress(self, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, max(total, 0))
        self.progress.setValue(done)
        if message:
            self.message.setText(message)

    def _succeeded(self, report) -> None:
        if isinstance(report, ImportProblem):
            self._done(f"The import failed; nothing was added.\n{report}")
            return
        self.report = report
        summary, lines = describe(report)
        self._done(summary)
        self.skipped.addItems(lines)
        self.skipped.setVisible(bool(lines))
        self.imported.emit(report)

    def _failed(self, message: str, details: str) -> None:
        self._done(f"The import failed; nothing was added.\n{message}")
        errors.report_job_failure(message, details)

    def _done(self, message: str) -> None:
        self.progress.setVisible(False)
        self.message.setText(message)
        for w in (self.folder, self.masks, self.by_folder, self.advanced, self.pattern,
                  self.import_button):
            w.setEnabled(True)
        self.import_button.setText("Import again")
        self.cancel_button.setVisible(False)
        self.close_button.setVisible(True)
        if self._close_when_done:
            super().reject()


def _validate(folder: str, masks: str, pattern: str) -> str:
    if not folder:
        return "Choose the folder with the images."
    if not Path(folder).is_dir():
        return f"{folder} is not a folder."
    if masks and not Path(masks).is_dir():
        return f"{masks} is not a folder."
    if pattern:
        try:
            if re.compile(pattern).groups < 1:
                return "The class pattern needs a group in parentheses, e.g. MT_(\\w+)."
        except re.error as e:
            return f"The class pattern is not a valid regular expression: {e}"
    return ""
