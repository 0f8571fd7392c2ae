"""The page shown while no project is open, and the empty-project page.

Both only emit requests; the main window decides what happens (dialogs, opening).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.store.location import TeamUrl, is_team_url
from app.ui.start_question import StartQuestion

PathRole = Qt.ItemDataRole.UserRole


def _heading(text: str, scale: float = 1.6) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    return label


class WelcomePage(QWidget):
    new_requested = Signal()
    open_requested = Signal()
    demo_requested = Signal()
    team_requested = Signal()
    recent_activated = Signal(str)  # a project path, or a team project's address

    def __init__(self, parent=None):
        super().__init__(parent)
        self.new_button = QPushButton("New project…")
        self.open_button = QPushButton("Open project…")
        self.demo_button = QPushButton("Open the demo")
        self.demo_button.setToolTip("A small generated project to try every workspace")
        self.team_link = QLabel('<a href="team">Join a team project…</a>',
                                objectName="welcome-team")
        self.team_link.setToolTip("Open a team project on a PostgreSQL server: its address "
                                  "and your login")
        self.team_link.linkActivated.connect(lambda _href: self.team_requested.emit())
        self.start_question = StartQuestion()  # answered before "New project…" is clicked
        self.recent = QListWidget()
        self.recent.setMinimumWidth(420)
        self.recent.setMaximumHeight(360)  # ten two-line entries; no sea of white below
        self.recent.setSpacing(2)
        self.recent_empty = QLabel("Projects you open will be listed here.")
        self.recent_empty.setEnabled(False)
        buttons = QHBoxLayout()
        for b in (self.new_button, self.open_button, self.demo_button):
            b.setMinimumHeight(32)
            buttons.addWidget(b)
        buttons.addStretch()
        column = QVBoxLayout()
        column.addStretch(1)
        column.addWidget(_heading("Defect Studio", 2.0))
        column.addWidget(QLabel("Label defects, train a model, grade parts, review results."))
        column.addSpacing(16)
        column.addLayout(buttons)
        column.addWidget(self.team_link)
        column.addSpacing(8)
        column.addWidget(self.start_question)
        column.addSpacing(16)
        column.addWidget(_heading("Recent projects", 1.15))
        column.addWidget(self.recent_empty)
        column.addWidget(self.recent)
        column.addStretch(2)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(column, 4)
        outer.addStretch(1)
        self.new_button.clicked.connect(self.new_requested)
        self.open_button.clicked.connect(self.open_requested)
        self.demo_button.clicked.connect(self.demo_requested)
        self.recent.itemActivated.connect(self._activate)
        self.recent.itemClicked.connect(self._activate)

    def set_recent(self, paths: list[str]) -> None:
        self._paths = list(paths)
        self.recent.clear()
        grey = self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        for path in paths:
            p = Path(path)
            team = is_team_url(path)
            exists = team or p.is_file()  # a server is asked only when it is opened
            if team:
                url = TeamUrl.parse(path)
                item = QListWidgetItem(f"{url.database}\nteam project · {url.short()}")
            else:
                item = QListWidgetItem(p.stem if exists else f"{p.stem}  (missing)")
                item.setText(f"{item.text()}\n{p.parent}")
            item.setToolTip(path)
            item.setData(PathRole, path)
            if not exists:
                item.setForeground(grey)
            self.recent.addItem(item)
        self.recent.setVisible(bool(paths))
        self.recent_empty.setVisible(not paths)

    def recent_paths(self) -> list[tuple[str, bool]]:
        """(path, missing) of each listed project, top first."""
        return [(self.recent.item(i).data(PathRole), "(missing)" in self.recent.item(i).text())
                for i in range(self.recent.count())]

    def showEvent(self, event) -> None:
        # files come and go while the app runs: re-check "(missing)" whenever shown
        self.set_recent(getattr(self, "_paths", []))
        super().showEvent(event)

    def _activate(self, item: QListWidgetItem) -> None:
        self.recent_activated.emit(item.data(PathRole))


class EmptyProjectPage(QWidget):
    """Shown while the open project has no images yet."""

    import_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.title = _heading("Import images to start labeling", 1.4)
        hint = QLabel("Images are referenced where they are, not copied into the project.")
        hint.setEnabled(False)
        self.start_hint = QLabel(wordWrap=True)  # the new project's answer, when it says more
        self.start_hint.setVisible(False)
        self.import_button = QPushButton("Import images…")
        self.import_button.setMinimumHeight(32)
        self.import_button.clicked.connect(self.import_requested)
        layout = QVBoxLayout(self)
        layout.addStretch()
        for w in (self.title, hint, self.start_hint, self.import_button):
            layout.addWidget(w, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch()

    def set_hint(self, text: str) -> None:
        self.start_hint.setText(text)
        self.start_hint.setVisible(bool(text))
