"""File > Team members: who works in the team project and with which role (labeler, reviewer,
recipe owner, admin); an admin adds a member (login, role, password) or changes a role. The
database enforces the roles; this dialog only manages them (`project.members`).

`add_member` and `set_role` are the plain methods the buttons call (tests call them too); a
refusal is said in the dialog and nothing changes.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from app.store import ProjectError
from app.store.team_roles import ROLES, RoleError
from app.ui.roles import why_not


class TeamMembersDialog(QDialog):
    changed = Signal()

    def __init__(self, project, parent=None):
        super().__init__(parent)
        self.project = project
        self.setWindowTitle("Team members")
        self.resize(560, 380)
        self.table = QTableWidget(0, 2, objectName="members-table")
        self.table.setHorizontalHeaderLabels(["Login", "Role"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()  # row numbers mean nothing here
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.login = QLineEdit(objectName="member-login")
        self.login.setPlaceholderText("their database login, e.g. anna")
        self.role = QComboBox(objectName="member-role")
        self.role.addItems(ROLES)
        self.password = QLineEdit(objectName="member-password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("a new login's password (stored hashed by the server)")
        self.add_button = QPushButton("Add or change", objectName="member-add")
        self.setup_button = QPushButton("Set up roles", objectName="members-setup")
        self.setup_button.setToolTip("Create or repair the project's roles and grants "
                                     "(the database's owner)")
        self.message = QLabel(objectName="members-message")
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Login:", self.login)
        form.addRow("Role:", self.role)
        form.addRow("Password:", self.password)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.setup_button)
        buttons.addStretch()
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Your login {project.db.identity} is "
                                f"{project.role or 'not a member'} of this project."))
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self.add_button.clicked.connect(self._add_clicked)
        self.setup_button.clicked.connect(self.set_up_roles)
        self.table.itemSelectionChanged.connect(self._pick)
        why = why_not(project, "members.manage")
        for w in (self.add_button, self.login, self.role, self.password):
            w.setEnabled(not why)
        self.add_button.setToolTip(why or "Add the login as a member with this role, or give "
                                          "a member this role")
        self.setup_button.setVisible(project.role == "admin" and not project.readonly)
        self.refresh()

    # plain methods ------------------------------------------------------------------------
    def refresh(self) -> None:
        try:
            rows = self.project.members.list()
            ready = self.project.members.roles_set_up()
        except ProjectError as e:
            self.show_message(str(e))
            return
        self.table.setRowCount(len(rows))
        for i, m in enumerate(rows):
            self.table.setItem(i, 0, QTableWidgetItem(m.login))
            self.table.setItem(i, 1, QTableWidgetItem(m.role))
        if not ready:
            self.show_message("The roles of this project are not set up yet: its owner sets "
                              "them up here (Set up roles).")

    def rows(self) -> list[tuple[str, str]]:
        return [(self.table.item(r, 0).text(), self.table.item(r, 1).text())
                for r in range(self.table.rowCount())]

    def add_member(self, login: str, role: str, password: str = "") -> bool:
        try:
            member = self.project.members.add(login.strip(), role, password or None)
        except (ProjectError, RoleError) as e:
            self.show_message(str(e))
            return False
        self.password.clear()  # not kept past its use
        self.show_message(f"{member.login} is now {member.role}.")
        self.refresh()
        self.changed.emit()
        return True

    def set_up_roles(self) -> bool:
        try:
            groups = self.project.members.set_up_roles()
        except ProjectError as e:
            self.show_message(str(e))
            return False
        self.show_message("Roles set up: " + ", ".join(groups))
        self.refresh()
        return True

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    # widgets ------------------------------------------------------------------------------
    def _add_clicked(self) -> None:
        if self.login.text().strip():
            self.add_member(self.login.text(), self.role.currentText(), self.password.text())
        else:
            self.show_message("Type the member's login first.")

    def _pick(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.login.setText(self.table.item(row, 0).text())
            self.role.setCurrentText(self.table.item(row, 1).text())
