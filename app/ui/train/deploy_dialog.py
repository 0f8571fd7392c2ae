"""Deploy a model from the Train workspace: choose the recipe and where the package goes, and
optionally a folder of parts to check it with; the package is written (and checked) on a worker
(app.jobs.deploy.deploy_and_check), as `defect-studio deploy` and `deploy-verify` do.

Every model kind deploys: a segmentation network as ONNX, a good-parts-only model as its encoder
in ONNX with its memory and runner.py, the pixel classifier as its weights with runner.py.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui import errors
from app.ui.workers import JobRunner

# Failures that are the user's to fix (a bad target, no recipe, a refused package): said in
# the dialog, no error report.
USER_ERRORS = ("PackageError", "ValueError", "OnnxUnavailable", "FileNotFoundError",
               "PermissionError", "IsADirectoryError", "NotADirectoryError")
NO_RECIPE = "No recipe yet: save one in the Grade workspace, then deploy."


def _with_browse(edit: QLineEdit, button: QPushButton) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(edit, 1)
    layout.addWidget(button)
    return row


class DeployDialog(QDialog):
    def __init__(self, project, model_row, parent=None):
        super().__init__(parent)
        self.project, self.model = project, model_row
        self.outcome = None  # app.jobs.deploy.DeployOutcome, once written
        self.setWindowTitle(f"Deploy model {model_row.id}")
        self.resize(560, 0)
        self.recipe = QComboBox()
        for name in project.recipes.names():  # each recipe's latest version first
            for row in reversed(project.recipes.versions(name)):
                self.recipe.addItem(row.ref, row.ref)
        self.recipe.setToolTip("The recipe the line grades with: thresholds, zones, rules")
        self.out = QLineEdit(str(project.root / f"{project.name}-{model_row.name}.zip"))
        self.out.setToolTip("A .zip file, or a new or empty folder")
        self.browse_out = QPushButton("Browse…")
        self.parts = QLineEdit()
        self.parts.setPlaceholderText("optional: a folder of parts")
        self.parts.setToolTip("The package grades these parts as the line would and the app "
                              "grades them too; every grade must be the same")
        self.browse_parts = QPushButton("Browse…")
        self.status = QLabel(wordWrap=True)
        self.status.setObjectName("deployStatus")
        self.progress = QProgressBar(textVisible=True)
        self.progress.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.deploy_button = self.buttons.addButton(
            "Deploy", QDialogButtonBox.ButtonRole.ActionRole)
        self.deploy_button.setDefault(True)

        form = QFormLayout()
        form.addRow("Model", QLabel(f"{model_row.name} ({_kind_text(model_row)})",
                                    wordWrap=True))
        form.addRow("Recipe", self.recipe)
        form.addRow("Package", _with_browse(self.out, self.browse_out))
        form.addRow("Check with", _with_browse(self.parts, self.browse_parts))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

        self.runner = JobRunner(self)
        self.runner.progress.connect(self._on_progress)
        self.runner.succeeded.connect(self._written)
        self.runner.failed.connect(self._failed)
        self.runner.finished.connect(self._sync)
        self.browse_out.clicked.connect(self._choose_out)
        self.browse_parts.clicked.connect(self._choose_parts)
        self.deploy_button.clicked.connect(self.deploy)
        self.buttons.rejected.connect(self.close)
        if not self.recipe.count():
            self.status.setText(NO_RECIPE)
        self._sync()

    def deploy(self) -> bool:
        """Starts writing (and checking) the package; False when there is nothing to start."""
        if self.runner.running or not self.recipe.count() or not self.out.text().strip():
            return False
        from app.jobs.deploy import deploy_and_check

        project, model_id = self.project, self.model.id
        ref, out = self.recipe.currentData(), Path(self.out.text().strip())
        parts = [self.parts.text().strip()] if self.parts.text().strip() else []
        self.outcome = None
        self.status.setText(f"Writing {out.name}…")
        self.progress.setRange(0, 0)
        self.progress.show()
        self.runner.start(lambda ctx: deploy_and_check(project, model_id, ref, out, parts, ctx))
        self._sync()
        return True

    def stop(self) -> None:
        self.runner.cancel()
        self.runner.wait()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.stop()
        super().closeEvent(event)

    def reject(self) -> None:  # Escape
        self.stop()
        super().reject()

    # internals --------------------------------------------------------------------------------
    def _sync(self) -> None:
        busy = self.runner.running
        self.deploy_button.setEnabled(not busy and self.recipe.count() > 0)
        for w in (self.recipe, self.out, self.browse_out, self.parts, self.browse_parts):
            w.setEnabled(not busy)
        if not busy:
            self.progress.hide()

    def _choose_out(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Deployment package", self.out.text(),
                                              "Package (*.zip)")
        if path:
            self.out.setText(path if path.lower().endswith(".zip") else f"{path}.zip")

    def _choose_parts(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Parts to check the package with",
                                                  str(self.project.root))
        if folder:
            self.parts.setText(folder)

    def _on_progress(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        self.progress.setFormat(f"{message}  %v/%m" if message else "%v/%m")

    def _written(self, outcome) -> None:
        self.outcome = outcome
        lines = [f"Package written: {outcome.result.path}"]
        report = outcome.report
        if report is not None:
            ref, pkg = report.sides
            if not report.checked:
                lines.append("No part could be checked (none readable in that folder).")
            elif report.ok:
                lines.append(f"Checked on {len(report.checked)} parts: the package ({pkg}) "
                             f"grades every part as the app ({ref}) does; largest probability "
                             f"difference {report.max_abs_diff:.4f}.")
            else:
                names = ", ".join(Path(p.file).name for p in report.mismatches[:5])
                lines.append(f"Check FAILED: {len(report.mismatches)} of "
                             f"{len(report.checked)} parts graded differently ({names}).")
        self.status.setText("\n".join(lines))

    def _failed(self, message: str, details: str) -> None:
        kind, _, text = message.partition(":")
        if kind in USER_ERRORS:
            self.status.setText(f"Not deployed: {text.strip()}")
        else:
            self.status.setText(f"Not deployed: {message}")
            errors.report_job_failure(message, details)


def _kind_text(row) -> str:
    config = row.config or {}
    kind = config.get("kind") or (config.get("spec") or {}).get("architecture", "")
    return {"anomaly": "good parts only: encoder as ONNX, memory and runner.py",
            "PixelClassifier": "pixel classifier: weights and runner.py"}.get(
        kind, "segmentation network as ONNX")
