"""RecipeBar: pick the recipe and version shown; older versions are views (a change to one is
saved as a new latest version made from it); "New recipe…"."""

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

    def __init__(self, parent=None):
        super().__init__(parent)
        self.names = QComboBox(objectName="recipe-name", minimumContentsLength=12)
        self.versions = QComboBox(objectName="recipe-version", minimumContentsLength=10)
        self.new_button = QPushButton("New recipe…")
        self.state = QLabel(objectName="recipe-state")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Recipe"))
        row.addWidget(self.names)
        row.addWidget(self.versions)
        row.addWidget(self.new_button)
        row.addWidget(self.state, 1)
        self._filling = False
        self.names.activated.connect(lambda _i: self._pick(version=None))
        self.versions.activated.connect(lambda _i: self._pick(self.versions.currentData()))
        self.new_button.clicked.connect(self.ask_new)

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
        finally:
            self._filling = False
        self.show_state(session)

    def show_state(self, session) -> None:
        if session.row is None:
            text = "not saved yet: the first change saves it"
        elif session.is_latest:
            text = f"{session.row.ref} · by {session.row.author}"
        else:
            text = (f"viewing v{session.row.version} of {session.latest_version}: a change is "
                    f"saved as v{session.latest_version + 1}")
        if not session.editable:
            text += " · read-only project"
        if session.recipe.content_hash != session.saved.content_hash:
            text += " · previewing"
        self.state.setText(text)

    def ask_new(self) -> NewRecipeDialog:
        dialog = NewRecipeDialog(self)
        dialog.accepted.connect(
            lambda: self.new_requested.emit(dialog.name.text(), dialog.copy.isChecked()))
        dialog.open()
        return dialog

    def _pick(self, version) -> None:
        if not self._filling:
            self.selected.emit(self.names.currentText(), version or 0)
