"""The questions about a recipe draft: the note to save it with, and what to do with it before
it would be lost (Save / Discard / Cancel), and the recipe file pickers.

Plain functions over the standard dialogs, so a test patches QInputDialog / QMessageBox /
QFileDialog and the workspace's flow runs unchanged.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox

SAVE, DISCARD, CANCEL = "save", "discard", "cancel"
FILE_FILTER = "Recipe files (*.json);;All files (*)"


def ask_note(parent, session) -> str | None:
    """The note for the version about to be saved; None: the user canceled."""
    version = session.latest_version + 1 if session.row is not None else 1
    note, ok = QInputDialog.getText(
        parent, "Save recipe",
        f"Save {session.name} as v{version}. Inspections can then use it.\n"
        "Note (optional): what changed, and why?", QLineEdit.EchoMode.Normal, "")
    return note.strip() if ok else None


def ask_unsaved(parent, session, doing: str) -> str:
    """SAVE, DISCARD or CANCEL for the draft of `session` before `doing` (e.g. 'switching')."""
    buttons = QMessageBox.StandardButton
    answer = QMessageBox.question(
        parent, "Unsaved recipe changes",
        f"{session.ref} has changes that are not saved. Save them as a new version before "
        f"{doing}?\n\nDiscard drops them; inspections keep using the saved versions.",
        buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)
    return {buttons.Save: SAVE, buttons.Discard: DISCARD}.get(answer, CANCEL)


def ask_import_path(parent, folder: str) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, "Import recipe", folder, FILE_FILTER)
    return path


def ask_export_path(parent, suggested: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, "Export recipe", suggested, FILE_FILTER)
    return path
