"""The main window's team-project side: the open/new dialog with this session's passwords
(memory only, never the settings), File > Storage roots and File > Team members.

The window keeps one-line methods that call these (its actions name them); `open` is what
`MainWindow.open_project` does with a team address.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox

from app.store import Project, ProjectError
from app.store.errors import TeamAuthError
from app.store.location import TeamUrl
from app.ui.roots_notice import RootsNotice
from app.ui.storage_roots_dialog import StorageRootsDialog
from app.ui.team_dialog import TeamProjectDialog
from app.ui.team_members_dialog import TeamMembersDialog


class TeamWindow(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self._passwords: dict[str, str] = {}  # by address, for this session only
        self.dialog: TeamProjectDialog | None = None  # the last shown (tests look at them)
        self.roots_dialog: StorageRootsDialog | None = None
        self.members_dialog: TeamMembersDialog | None = None

    def open(self, location: str | TeamUrl, create: bool = False) -> bool:
        """Open (or create) a team project. Without a password it is tried as it is first
        (libpq finds one in PGPASSWORD or ~/.pgpass); a server that asks for one gets the
        team dialog again, with the reason."""
        w = self.window
        try:
            url = location if isinstance(location, TeamUrl) else TeamUrl.parse(str(location))
        except ProjectError as e:
            w.show_message("Cannot open the team project", str(e))
            return False
        if url.password is None and url.display() in self._passwords:
            url = url.with_password(self._passwords[url.display()])
        p = w.project
        if not create and p is not None and p.is_team and p.location == url.display():
            return True
        if create and not w._confirm_close():
            return False
        try:
            project = Project.create(url) if create else Project.open(url)
        except TeamAuthError as e:
            self._passwords.pop(url.display(), None)
            self.ask(create, url.display(), str(e))
            return False
        except ProjectError as e:
            w.show_message("Cannot create the team project" if create else
                           "Cannot open the team project", str(e))
            return False
        if url.password:
            self._passwords[url.display()] = url.password
        if not w._install(project):
            return False
        if project.warning:
            w.show_message("Opened read-only" if project.readonly else "Team project",
                           project.warning)
        return True

    def ask(self, create: bool, address: str = "", message: str = "") -> TeamProjectDialog:
        dialog = TeamProjectDialog(create, address, message, self.window)
        dialog.chosen.connect(lambda url: self.open(url, create))
        dialog.open()
        self.dialog = dialog
        return dialog

    def storage_roots(self) -> StorageRootsDialog | None:
        """File > Storage roots: where the team project's images are on this workstation."""
        p = self.window.project
        if p is None or p.roots is None:
            self.window.show_message("Storage roots", "Storage roots belong to team projects: "
                                     "a project file finds its images beside it.",
                                     QMessageBox.Icon.Information)
            return None
        dialog = StorageRootsDialog(p, self.window)
        dialog.changed.connect(self._roots_changed)
        dialog.open()
        self.roots_dialog = dialog
        return dialog

    def members(self) -> TeamMembersDialog | None:
        """File > Team members: the members of the team project and their roles."""
        p = self.window.project
        if p is None or p.members is None:
            return None
        dialog = TeamMembersDialog(p, self.window)
        dialog.open()
        self.members_dialog = dialog
        return dialog

    def _roots_changed(self) -> None:
        """A root was mapped or added: images that failed for it load again."""
        for notice in self.window.findChildren(RootsNotice):
            notice.roots_changed()
