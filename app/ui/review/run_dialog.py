"""NewRunDialog: what a new inspection run needs: a name, the part images, a model, a recipe,
and optionally a good-parts-only model graded beside the model (its anomaly map as the class
"anomaly"; app.jobs.good_only).

The dialog only collects a `RunRequest`; the workspace starts app.jobs.inspection on it.
Images come from a folder (walked by app.core.discover, masks beside images left out) or
from picked files.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
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
    QPushButton,
    QVBoxLayout,
)

from app.core.discover import IMAGE_EXTS, discover
from app.jobs.good_only import default_pair, good_only_models, is_good_only
from app.ui.run_on import RunOnChoice


@dataclass(frozen=True)
class RunRequest:
    name: str
    images: tuple[Path, ...]
    model_id: int | None
    recipe_ref: str  # "name@version"
    anomaly_model_id: int | None = None  # a good-parts-only model beside the model
    on_worker: bool = False  # queued for the team worker instead of run here


def images_in(folder: str | Path) -> list[Path]:
    """Part images under `folder` (recursive, sorted; masks paired with images excluded)."""
    return [c.image for c in discover(folder).candidates]


class NewRunDialog(QDialog):
    def __init__(self, project, parent=None):
        super().__init__(parent)
        self.setWindowTitle("New inspection run")
        self.setMinimumWidth(440)
        self.project = project
        self.images: list[Path] = []
        self.name = QLineEdit(time.strftime("Inspection %Y-%m-%d %H:%M"))
        self.image_count = QLabel("No images chosen")
        folder, files = QPushButton("Folder…"), QPushButton("Files…")
        self.folder_button, self.files_button = folder, files
        folder.clicked.connect(self._pick_folder)
        files.clicked.connect(self._pick_files)
        picks = QHBoxLayout()
        picks.addWidget(self.image_count, 1)
        picks.addWidget(folder)
        picks.addWidget(files)
        self.model = QComboBox()
        self._good_only = set()
        for m in project.models.list():
            useless = " (not useful yet)" if m.verdict.useful is False else ""
            self.model.addItem(f"{m.name} (#{m.id}){useless}", m.id)
            if is_good_only(m):
                self._good_only.add(m.id)
        # No usable model: none is preselected; a person picks one (even one not useful yet).
        # With a good-parts-only model and another kind, both are preselected (Grade's pair).
        main, good = default_pair(project)
        self.model.setCurrentIndex(self.model.findData(main))
        self.good_model = QComboBox(objectName="good-parts-model")
        self.good_model.addItem("None", None)
        for m in good_only_models(project):
            self.good_model.addItem(f"{m.name} (#{m.id})", m.id)
        self.good_model.setCurrentIndex(max(self.good_model.findData(good), 0))
        self.good_model.setEnabled(self.good_model.count() > 1)
        self.good_model.setToolTip(
            "A good-parts-only model graded beside the model: what it flags is the class "
            "\"anomaly\" of the recipe" if self.good_model.count() > 1 else
            "No good-parts-only model: train one in the Train workspace (Good parts only)")
        self.recipe = QComboBox()
        for name in project.recipes.names():
            versions = project.recipes.versions(name)
            for r in reversed(versions):  # newest first: the default
                latest = " (latest)" if r is versions[-1] else ""
                self.recipe.addItem(f"{r.name} v{r.version}{latest}", r.ref)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.run_on = RunOnChoice()  # a team project: here, or on the team worker
        self.run_on.set_project(project)
        self.hint = QLabel()
        self.hint.setStyleSheet("color: gray")
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Parts", picks)
        form.addRow("Model", self.model)
        form.addRow("Good-parts model", self.good_model)
        form.addRow("Recipe", self.recipe)
        form.addRow(self.run_on)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self.name.textChanged.connect(self._update)
        self.model.currentIndexChanged.connect(self._update)
        self.good_model.currentIndexChanged.connect(self._update)
        self._update()

    def set_images(self, paths) -> None:
        self.images = sorted({Path(p).resolve() for p in paths
                              if Path(p).suffix.lower() in IMAGE_EXTS})
        self.image_count.setText(f"{len(self.images)} images" if self.images
                                 else "No images chosen")
        self._update()

    def request(self) -> RunRequest:
        return RunRequest(self.name.text().strip(), tuple(self.images), self.model.currentData(),
                          self.recipe.currentData(), self.good_model.currentData(),
                          self.run_on.remote())

    def _pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of part images",
                                                  str(self.project.root))
        if folder:
            self.set_images(images_in(folder))

    def _pick_files(self) -> None:
        exts = " ".join(f"*{e}" for e in sorted(IMAGE_EXTS))
        files, _ = QFileDialog.getOpenFileNames(self, "Part images", str(self.project.root),
                                                f"Images ({exts})")
        if files:
            self.set_images(files)

    def _update(self) -> None:
        missing = ("part images" if not self.images
                   else "a model" if self.model.currentData() is None
                   else "a defect-segmentation model beside the good-parts model"
                   if self.good_model.currentData() is not None
                   and self.model.currentData() in self._good_only
                   else "a recipe" if self.recipe.count() == 0
                   else "a name" if not self.name.text().strip() else "")
        if not missing and (unrooted := self._unrooted()):
            self.hint.setText(unrooted)
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
            return
        self.hint.setText(f"Needs {missing}." if missing else "")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not missing)

    def _unrooted(self) -> str:
        """Why a team member who may not add storage roots cannot inspect these parts: they are
        under no root mapped here (a run stores each part as `<root>/<path>`)."""
        roots = getattr(self.project, "roots", None)
        if roots is None or not self.project.why_not("roots.add"):
            return ""  # a project file, or an admin: a folder under no root becomes one
        if all(roots.mapped_path(p) is not None for p in self.images):
            return ""
        return ("These parts are under no storage root mapped on this workstation: map their "
                "root in File > Storage roots (adding a root is an admin's).")
