"""The dialog that opens or creates a team project: its address and, when the server asks for
one, the password.

The password lives in this dialog and in the window's memory for the session only: it is never
written to the settings (the recent list keeps the address without it, `TeamUrl.display()`).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from app.store import ProjectError
from app.store.location import TeamUrl

PLACEHOLDER = "postgresql+psycopg://user@host/database"


class TeamProjectDialog(QDialog):
    """Emits `chosen(TeamUrl)` (with the password typed, if any) when the user accepts."""

    chosen = Signal(object)

    def __init__(self, create: bool = False, address: str = "", message: str = "",
                 parent=None):
        super().__init__(parent)
        self.create = create
        self.setWindowTitle("New team project" if create else "Open team project")
        self.url = QLineEdit(address, objectName="team-url")
        self.url.setPlaceholderText(PLACEHOLDER)
        self.url.setMinimumWidth(420)
        self.password = QLineEdit(objectName="team-password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("leave empty when the server needs none")
        self.password.setToolTip("Kept in memory for this session only, never saved")
        intro = QLabel(
            "A team project lives in a PostgreSQL database: everyone on the team opens the "
            "same address with their own login." + (
                " The database must be empty; Defect Studio sets it up." if create else ""))
        intro.setWordWrap(True)
        self.message = QLabel(message, objectName="team-message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c0392b")
        self.message.setVisible(bool(message))
        form = QFormLayout()
        form.addRow("Address:", self.url)
        form.addRow("Password:", self.password)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            "Create" if create else "Open")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        (self.password if address else self.url).setFocus()

    def team_url(self) -> TeamUrl:
        """The address typed with the password typed; ProjectError when it is no address."""
        return TeamUrl.parse(self.url.text().strip(), self.password.text() or None)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def accept(self) -> None:
        try:
            url = self.team_url()
        except ProjectError as e:
            self.show_message(str(e))  # stays open: the user corrects the address
            return
        super().accept()
        self.chosen.emit(url)
