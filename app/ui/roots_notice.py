"""A strip over the Label and Grade views when an image cannot load because of its storage root
(not mapped here, or mapped to the wrong folder): the reason and a button that opens
File > Storage roots. The main window connects every notice's `roots_requested`."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from app.store.storage_roots import StorageRootError

_PREFIX = f"{StorageRootError.__name__}: "  # how a JobRunner names a failed job's error


def roots_problem(error: BaseException | str | None) -> str:
    """The message of a StorageRootError (the exception, or a job's "Type: message" line);
    "" for anything else."""
    if isinstance(error, StorageRootError):
        return str(error)
    if isinstance(error, str) and error.startswith(_PREFIX):
        return error[len(_PREFIX):]
    return ""


class RootsNotice(QFrame):
    roots_requested = Signal()  # the button: open File > Storage roots
    retry_requested = Signal()  # roots changed while it showed: load the image again

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("roots-notice")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#roots-notice { background: #fdf2e9; }")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.button = QPushButton("Storage roots…", objectName="roots-notice-button")
        self.button.setToolTip("Map the team's storage roots to folders on this workstation")
        self.button.clicked.connect(self.roots_requested)
        row = QHBoxLayout(self)
        row.addWidget(self.text, 1)
        row.addWidget(self.button)
        self.hide()

    def show_problem(self, error: BaseException | str | None) -> bool:
        """Shows the notice when `error` is a storage-root problem (True), hides it otherwise."""
        message = roots_problem(error)
        self.text.setText(f"This image cannot be shown here: {message}")
        self.setVisible(bool(message))
        return bool(message)

    def roots_changed(self) -> None:
        """A root was mapped or added: the workspace tries the image again."""
        if not self.isHidden():
            self.retry_requested.emit()
