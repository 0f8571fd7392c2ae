"""RecipeBar: pick the recipe and version shown; Save… / Revert the draft; New…, Import…,
Export… recipe files. Older versions are views (saving a change to one makes a new latest
version from it). The state label names the version and marks a draft: "housing@2 *"."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

SAVE_TIP = "Save the changes as a new recipe version, with a note. Inspections only ever use " \
    "saved versions."
IMPORT_TIP = "Read a recipe file (.json) as a new version"

class NewRecipeDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("New recipe")
        self.name = QLineEdit(placeholderText="e.g. housing-line3")
        self.copy = QCheckBox("Start from the recipe shown now", checked=True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        col = QVBoxLayout(self)
        col.addWidget(QLabel("Recipe name"))
        col.addWidget(self.name)
        col.addWidget(self.copy)
        col.addWidget(buttons)


class RecipeBar(QWidget):
    selected = Signal(str, int)  # name, version
    new_requested = Signal(str, bool)  # name, copy the shown recipe
    save_requested = Signal()
    revert_requested = Signal()
    import_requested = Signal()
    export_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.names = QComboBox(objectName="recipe-name", minimumContentsLength=10)
        self.versions = QComboBox(objectName="recipe-version", minimumContentsLength=8)
        self.save_button = QPushButton("Save…", objectName="recipe-save")
        self.save_button.setToolTip(SAVE_TIP)
        self.revert_button = QPushButton("Revert", objectName="recipe-revert")
        self.revert_button.setToolTip("Drop the unsaved changes: back to the version shown")
        self.new_button = QPushButton("New…")
        self.new_button.setToolTip("A new recipe, from the one shown or blank")
        self.import_button = QPushButton("Import…")
        self.import_button.setToolTip(IMPORT_TIP)
        self.export_button = QPushButton("Export…")
        self.state = QLabel(objectName="recipe-state")
        self.state.setMinimumWidth(80)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Recipe"))
        row.addWidget(self.names)
        row.addWidget(self.versions)
        for b in (self.save_button, self.revert_button, self.new_button, self.import_button,
                  self.export_button):
            row.addWidget(b)
        row.addWidget(self.state, 1)
        self._filling = False
        self.names.activated.connect(lambda _i: self._pick(version=None))
        self.versions.activated.connect(lambda _i: self._pick(self.versions.currentData()))
        self.new_button.clicked.connect(self.ask_new)
        self.save_button.clicked.connect(self.save_requested)
        self.revert_button.clicked.connect(self.revert_requested)
        self.import_button.clicked.connect(self.import_requested)
        self.export_button.clicked.connect(self.export_requested)

    def show_session(self, session) -> None:
        """Fill the pickers from the project and show which version the session shows."""
        self._filling = True
        try:
            project = session.project
            names = project.recipes.names() if project is not None else []
            self.names.clear()
            for n in names or [session.name]:
                self.names.addItem(n)
            self.names.setCurrentText(session.name)
            self.versions.clear()
            rows = project.recipes.versions(session.name) if names else []
            for r in reversed(rows):
                latest = " (latest)" if r.version == session.latest_version else ""
                self.versions.addItem(f"v{r.version}{latest}", r.version)
            if session.row is not None:
                self.versions.setCurrentIndex(self.versions.findData(session.row.version))
            self.new_button.setEnabled(session.editable)
            self.import_button.setEnabled(session.editable)
        finally:
            self._filling = False
        self.show_state(session)

    def show_state(self, session) -> None:
        row, dirty = session.row, session.dirty
        text = session.ref + (" *" if dirty else "")  # short: it shares the row at 1280 px
        if row is None:
            text += " · not saved yet"
        elif not session.is_latest:
            text += f" · v{row.version} of {session.latest_version}: Save makes " \
                    f"v{session.latest_version + 1}"
        elif dirty:
            text += " · unsaved changes"
        else:
            text += f" · by {row.author}" + (f" · {row.note}" if row.note else "")
        if not session.editable:
            text += " · read-only project"
        self.state.setText(text)
        tip = [f"{row.ref} saved {row.created_at} by {row.author}" if row else "not saved yet"]
        if row is not None and row.note:
            tip.append(f"Note: {row.note}")
        if dirty:
            tip.append("* unsaved changes: Save… writes a new version, Revert drops them")
        self.state.setToolTip("\n".join(tip))
        self.save_button.setEnabled(session.can_save)
        why = session.why_not_save  # a team role that may not save recipes: say so, greyed
        self.save_button.setToolTip(why[:1].upper() + why[1:] if why else SAVE_TIP)
        self.import_button.setEnabled(session.editable and not why)
        self.import_button.setToolTip(why[:1].upper() + why[1:] if why else IMPORT_TIP)
        self.revert_button.setEnabled(dirty)
        can_export = row is not None and not dirty
        self.export_button.setEnabled(can_export)
        self.export_button.setToolTip(
            "Write the version shown to a recipe file (.json)" if can_export else
            "Save or revert the changes first: a file holds a saved version")

    def ask_new(self) -> NewRecipeDialog:
        dialog = NewRecipeDialog(self)
        dialog.accepted.connect(
            lambda: self.new_requested.emit(dialog.name.text(), dialog.copy.isChecked()))
        dialog.open()
        return dialog

    def _pick(self, version) -> None:
        if not self._filling:
            self.selected.emit(self.names.currentText(), version or 0)
