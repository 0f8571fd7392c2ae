"""ConflictDialog: someone saved a newer mask of the image you edit; you choose what stays.

"Reload theirs" shows their mask (your unsaved strokes are dropped); "Keep mine as a new
revision" saves yours on top of theirs (theirs stays in the history). Nothing is overwritten
without this choice, and your strokes stay in memory, unsaved, while the dialog is open. The
dialog is window-modal but does not block the event loop (`open()`, then `chosen`).
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout

RELOAD, KEEP = "reload", "keep"


def local_time(at: str) -> str:
    """A stored UTC time as the user's local date and time."""
    try:
        return datetime.fromisoformat(at).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return at


class ConflictDialog(QDialog):
    chosen = Signal(int, object, str)  # image id, RevisionConflict, RELOAD or KEEP

    def __init__(self, conflict, image_name: str, parent=None):
        super().__init__(parent)
        self.conflict = conflict
        self.setWindowTitle("The mask was changed by someone else")
        self.message = QLabel(
            f"<b>{conflict.author}</b> saved a newer mask of <b>{image_name}</b> at "
            f"{local_time(conflict.at)} while you were editing it.<br><br>"
            "Your latest strokes are not saved yet. Reload theirs (your strokes are "
            "dropped), or keep yours as a new revision on top of theirs (theirs stays in the "
            "history).", wordWrap=True)
        self.reload_button = QPushButton("Reload theirs")
        self.reload_button.setObjectName("reload_theirs")
        self.keep_button = QPushButton("Keep mine as a new revision")
        self.keep_button.setObjectName("keep_mine")
        self.keep_button.setDefault(True)
        buttons = QDialogButtonBox()
        buttons.addButton(self.reload_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.addButton(self.keep_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.reload_button.clicked.connect(lambda: self._choose(RELOAD))
        self.keep_button.clicked.connect(lambda: self._choose(KEEP))
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self._choice = ""

    def _choose(self, choice: str) -> None:
        if not self._choice:
            self._choice = choice
            self.chosen.emit(self.conflict.image_id, self.conflict, choice)
        self.done(0)

    def reject(self) -> None:
        """Escape or the window's close button: keep mine, the choice that loses nothing."""
        self._choose(KEEP)
