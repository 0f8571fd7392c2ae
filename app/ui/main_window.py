"""The main window: composes the welcome page and the workspaces; owns the open project.

Actions come from app.ui.actions, workspaces from app.ui.workspaces. Dialog methods
(`*_dialog`) only ask for a path and call the plain methods (`open_project(path)`, ...),
which tests and scripts call directly.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QTabWidget,
)

from app.store import (
    EXTENSION,
    DamagedProjectError,
    Project,
    ProjectError,
    ProjectLinkedError,
    ProjectLockedError,
)
from app.store.location import TeamUrl, is_team_url
from app.ui import actions, app_settings, errors, roles, workspaces
from app.ui.images import ImageListPanel
from app.ui.import_dialog import ImportDialog
from app.ui.job_status import JobStatusLabel
from app.ui.roots_notice import RootsNotice
from app.ui.shortcuts_dialog import ShortcutsDialog
from app.ui.start_question import LABELED, START_SETTING, STARTS, Start
from app.ui.status_bar import WINDOW, WorkspaceMessages
from app.ui.team_window import TeamWindow
from app.ui.welcome import EmptyProjectPage, WelcomePage
from app.ui.workers import JobRunner

log = logging.getLogger(__name__)
APP_NAME = "Defect Studio"
FILE_FILTER = f"Defect Studio projects (*{EXTENSION})"


class MainWindow(QMainWindow):
    project_changed = Signal(object)  # the open Project, or None after closing
    images_changed = Signal()  # images were added or relinked (after an import)

    def __init__(self, settings=None, error_handler=None, registry=None, parent=None):
        super().__init__(parent)
        self.setObjectName("MainWindow")  # saveState() needs names
        self.resize(1280, 800)
        self.settings = settings or app_settings.shared()
        self.error_handler = error_handler
        self.last_message: QMessageBox | None = None
        self._project: Project | None = None
        self._start: Start | None = None  # a new project's answer, until it has images
        self._dirty: set[int] = set()  # ids of workspaces with unsaved edits
        self._saving: set[int] = set()
        self._closed = False
        self.team = TeamWindow(self)  # team projects' dialogs and this session's passwords

        self.welcome = WelcomePage()
        self.empty_page = EmptyProjectPage()
        self.tabs = QTabWidget(documentMode=True)
        self.messages = WorkspaceMessages(self.statusBar())  # one slot per workspace
        self._workspaces = workspaces.build(registry)
        for _name, ws in self._workspaces:
            self._add_workspace(ws)
        if not self._workspaces:
            self.tabs.addTab(QLabel("No workspace is installed in this build."), "—")
        self.stack = QStackedWidget()
        for page in (self.welcome, self.empty_page, self.tabs):
            self.stack.addWidget(page)
        self.setCentralWidget(self.stack)

        names = [ws.title for _n, ws in self._workspaces]
        self.action_map = actions.build_actions(
            self, actions.WINDOW_ACTIONS + tuple(actions.workspace_specs(names)))
        self._build_menus()
        self.image_count = QLabel()
        self.job_status = JobStatusLabel()
        self.statusBar().addPermanentWidget(self.job_status)
        self.statusBar().addPermanentWidget(self.image_count)
        self.demo_runner = JobRunner(self)
        self.demo_runner.succeeded.connect(lambda path: self.open_project(path))
        self.demo_runner.failed.connect(errors.report_job_failure)
        self.demo_runner.progress.connect(
            lambda _done, _total, text: self.job_status.show_line("Demo", f"Demo: {text}"))
        self.demo_runner.finished.connect(lambda: self.job_status.show_line("Demo", ""))

        self.welcome.new_requested.connect(self.new_project_dialog)
        self.welcome.open_requested.connect(self.open_project_dialog)
        self.welcome.demo_requested.connect(self.open_demo)
        self.welcome.team_requested.connect(self.open_team_dialog)
        self.welcome.recent_activated.connect(self.open_project)
        self.empty_page.import_requested.connect(self.import_images)
        for panel in self.findChildren(ImageListPanel):
            panel.import_requested.connect(self.import_images)
        for notice in self.findChildren(RootsNotice):
            notice.roots_requested.connect(self.storage_roots_dialog)
        self.images_changed.connect(self._on_images_changed)
        self.tabs.currentChanged.connect(self._workspace_changed)
        self.settings.changed.connect(self._settings_changed)
        if error_handler is not None:
            error_handler.add_flush_hook(self.flush_all)
        self._refresh()
        self._sync_workspace_menu()

    # -- queries ----------------------------------------------------------------------------
    @property
    def project(self) -> Project | None:
        return self._project

    def workspaces(self) -> list:
        return [ws for _n, ws in self._workspaces]

    def current_workspace(self):
        ws = self.tabs.currentWidget()
        return ws if ws in self.workspaces() else None

    # -- project lifecycle ------------------------------------------------------------------
    def open_project(self, path: str | Path | TeamUrl) -> bool:
        """Open `path` (a file, or a team project's address); on a ProjectError show it and
        change nothing."""
        if isinstance(path, TeamUrl) or is_team_url(str(path)):
            return self.open_team(path)
        path = Path(path)
        if self._project is not None and self._project.path == path.resolve():
            return True
        try:
            project = Project.open(path)
        except DamagedProjectError as e:
            self._offer_readable_copy(e)
            return False
        except (ProjectLockedError, ProjectLinkedError) as e:
            self._offer_read_only(path, e)
            return False
        except ProjectError as e:
            self.show_message("Cannot open the project", str(e))
            return False
        if not self._install(project):
            return False
        if project.warning:  # e.g. an altered audit trail: opened read-only, and why
            self.show_message("Opened read-only", project.warning)
        return True

    # team projects: app/ui/team_window.py ----------------------------------------------------
    def open_team(self, location: str | TeamUrl, create: bool = False) -> bool:
        return self.team.open(location, create)

    def open_team_dialog(self):
        return self.team.ask(False)

    def new_team_dialog(self):
        return self.team.ask(True)

    def storage_roots_dialog(self):
        return self.team.storage_roots()

    def team_members_dialog(self):
        return self.team.members()

    def _offer_read_only(self, path: Path, error: ProjectError) -> None:
        """Another writer, or a file with two names: it can still be read."""
        box = self.show_message("Cannot open the project for writing", str(error))
        button = box.addButton("Open Read-Only", QMessageBox.ButtonRole.ActionRole)

        def open_read_only() -> None:
            try:
                project = Project.open(path, readonly=True)
            except ProjectError as e:
                self.show_message("Cannot open the project", str(e))
                return
            self._install(project)

        button.clicked.connect(open_read_only)

    def _offer_readable_copy(self, error: DamagedProjectError) -> None:
        """A damaged file: say so and, where it still reads, offer a copy of what can be read."""
        box = self.show_message("The project file is damaged", str(error))
        if not error.salvageable:
            return
        button = box.addButton("Save a Copy of What Can Be Read…",
                               QMessageBox.ButtonRole.ActionRole)

        def save_copy() -> None:
            from app.store.salvage import save_readable_copy

            try:
                report = save_readable_copy(error.path)
            except (ProjectError, OSError) as e:
                self.show_message("No copy was saved", str(e))
                return
            self.show_message("Copy saved", f"{report.summary()} It is in {report.path.parent}.",
                              QMessageBox.Icon.Information)

        button.clicked.connect(save_copy)

    def new_project(self, path: str | Path, start: str = LABELED) -> bool:
        """Creates `path` and opens it; `start` answers the welcome page's question
        (app.ui.start_question), stored as a project setting."""
        if not self._confirm_close():  # before the file is created
            return False
        try:
            project = Project.create(path)
            project.settings.set(START_SETTING, start)
        except ProjectError as e:
            self.show_message("Cannot create the project", str(e))
            return False
        if not self._install(project):
            return False
        self._start = STARTS[start]  # its workspace is shown once the project has images
        self.empty_page.set_hint(self._start.hint)
        self._show_start()
        return True

    def _show_start(self) -> None:
        """A new project's first look, once it has images: its answer's workspace and hint."""
        start = self._start
        if start is None or self.stack.currentWidget() is not self.tabs:
            return
        self._start = None
        if start.workspace:
            self.show_workspace(start.workspace)
        if start.hint:
            self.statusBar().showMessage(start.hint, 15_000)

    def _install(self, project: Project) -> bool:
        if not self.close_project():  # the user chose to stay with the open project
            project.close()
            return False
        self._project = project
        self._start = None
        self.empty_page.set_hint("")
        self.settings.add_recent_project(project.location)  # a team's: no password
        for ws in self.workspaces():
            ws.set_project(project)
        self.project_changed.emit(project)
        self._refresh()
        return True

    def close_project(self) -> bool:
        """False when a workspace's question about unsaved work was canceled."""
        if self._project is None:
            return True
        if not self._confirm_close():
            return False
        self.flush_all()
        self._stop_jobs()
        for ws in self.workspaces():
            ws.set_project(None)
        project, self._project = self._project, None
        self._dirty.clear()
        project.close()
        self.project_changed.emit(None)
        self._refresh()
        return True

    def _confirm_close(self) -> bool:
        """Workspaces ask about unsaved work they do not flush (a recipe draft); False: stay."""
        return self._project is None or all(ws.confirm_close() for ws in self.workspaces())

    def flush_all(self) -> None:
        """Every workspace commits what is pending (before close, switch, or an error)."""
        for ws in self.workspaces():
            try:
                ws.flush()
            except Exception as e:
                log.exception("flush of %s failed", ws.title)
                errors.report(f"{ws.title}: pending edits could not be saved: {e}",
                              title="Saving failed")

    def _stop_jobs(self) -> None:
        """Safety net: no job may still use the project file once it is closed."""
        for runner in self.findChildren(JobRunner):
            if runner is not self.demo_runner:
                runner.cancel()
                runner.wait()

    # -- dialogs: thin wrappers around the methods above ------------------------------------
    def new_project_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "New project", self._start_folder(),
                                              FILE_FILTER)
        if path:
            self.new_project(path, self.welcome.start_question.answer())

    def open_project_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open project", self._start_folder(),
                                              FILE_FILTER)
        if path:
            self.open_project(path)

    def open_demo(self) -> None:
        """One click: the demo lives in the app's data folder and is reused once built."""
        base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
        self.build_demo(Path(base) / "demo")

    def build_demo(self, folder: str | Path) -> None:
        """Build the demo project (app.demo, when installed) off the UI thread, then open it."""
        if self.demo_runner.running:
            return
        demo = importlib.import_module("app.demo")
        self.messages.post(WINDOW, "Building the demo project: parts, a model, an inspection…")
        self.demo_runner.start(lambda ctx: demo.build_demo_project(Path(folder), ctx))

    def import_images(self) -> ImportDialog | None:
        if self._project is None:
            return None
        if why := roles.why_not(self._project, "images.import"):  # the empty page's button too
            self.show_message("Cannot import images", why)
            return None
        dialog = ImportDialog(self._project, self)
        dialog.imported.connect(self._images_imported)
        dialog.open()  # window-modal without blocking: the import runs while it shows
        return dialog

    def copy_project_dialog(self):
        """File > Copy project to...: the open project, its pending edits saved first."""
        if self._project is None:
            return None
        from app.ui.copy_dialog import CopyProjectDialog

        self.flush_all()
        dialog = CopyProjectDialog(self._project, self)
        dialog.open()
        return dialog

    def show_shortcuts(self) -> ShortcutsDialog:
        dialog = ShortcutsDialog(actions.shortcut_rows(self), self)
        dialog.open()
        return dialog

    def show_about(self):
        from app.ui.about_dialog import show_about

        log_path = self.error_handler.log_path if self.error_handler else errors.default_log_dir()
        return show_about(self, log_path)

    def show_message(self, title: str, text: str,
                     icon=QMessageBox.Icon.Warning) -> QMessageBox:
        """A non-blocking message box (kept as `last_message` for tests)."""
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        box.open()
        self.last_message = box
        return box

    def _start_folder(self) -> str:
        recent = [p for p in self.settings.recent_projects() if not is_team_url(p)]
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    # -- view -------------------------------------------------------------------------------
    def show_workspace(self, name: str) -> bool:
        for i, (n, ws) in enumerate(self._workspaces):
            if name in (n, ws.title):
                self.tabs.setCurrentIndex(i)
                return True
        return False

    def set_full_screen(self, on: bool) -> None:
        self.showFullScreen() if on else self.showNormal()

    def restore_layout(self) -> None:
        if (geometry := self.settings.window_geometry()) is not None:
            self.restoreGeometry(geometry)
        if (state := self.settings.window_state()) is not None:
            self.restoreState(state)

    def save_layout(self) -> None:
        self.settings.set_window_geometry(self.saveGeometry())
        self.settings.set_window_state(self.saveState())

    # -- internals --------------------------------------------------------------------------
    def _add_workspace(self, ws) -> None:
        self.tabs.addTab(ws, ws.title)
        ws.dirty_changed.connect(lambda dirty, w=ws: self._mark(self._dirty, w, dirty))
        ws.status_message.connect(lambda text, w=ws: self.messages.post(w.title, text))
        ws.job_progress.connect(lambda text, w=ws: self.job_status.show_line(w.title, text))
        saving = getattr(ws, "saving_changed", None)  # optional: workspaces that save async
        if saving is not None:
            saving.connect(lambda on, w=ws: self._mark(self._saving, w, on))

    def _mark(self, store: set[int], ws, on: bool) -> None:
        if on:
            store.add(id(ws))
        else:
            store.discard(id(ws))
        self._update_title()

    def _build_menus(self) -> None:
        bar = self.menuBar()
        menus = {name: bar.addMenu(f"&{name}") for name in actions.MENUS}
        self.recent_menu = menus["File"].addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        for action in self.action_map.values():
            menu = menus[action.data()]
            if action.objectName() in ("file.import", "file.quit", "view.fullscreen"):
                menu.addSeparator()
            menu.addAction(action)
        menus["File"].insertMenu(self.action_map["file.import"], self.recent_menu)
        self._ws_menu = QMenu("&Workspace", self)
        bar.insertMenu(menus["Help"].menuAction(), self._ws_menu)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.recent_projects():
            team = is_team_url(path)
            missing = not team and not Path(path).is_file()
            name = TeamUrl.parse(path).short() if team else Path(path).stem
            act = self.recent_menu.addAction(name + ("  (missing)" * missing))
            act.setToolTip(path)
            act.setEnabled(not missing)
            act.triggered.connect(lambda _c=False, p=path: self.open_project(p))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("No recent projects").setEnabled(False)

    def _workspace_changed(self, _index: int) -> None:
        self._sync_workspace_menu()
        self._show_messages()
        ws = self.current_workspace()
        if ws is not None and self._project is not None:
            ws.activated()

    def _sync_workspace_menu(self) -> None:
        # Only the shown workspace's actions are in a menu (and so have live shortcuts);
        # none while the welcome or empty page shows.
        ws = self.current_workspace() if self.stack.currentWidget() is self.tabs else None
        self._ws_menu.clear()
        ws_actions = ws.workspace_actions() if ws is not None else []
        for action in ws_actions:
            actions.decorate_tooltip(action)
            self._ws_menu.addAction(action)
        self._ws_menu.setTitle(f"&{ws.title}" if ws is not None else "&Workspace")
        self._ws_menu.menuAction().setVisible(bool(ws_actions))

    def _show_messages(self) -> None:
        """The status bar shows the shown workspace's own message slot, nobody else's."""
        ws = self.current_workspace() if self.stack.currentWidget() is self.tabs else None
        self.messages.show(ws.title if ws is not None else None)

    def _images_imported(self, report) -> None:
        self.images_changed.emit()

    def _on_images_changed(self) -> None:
        """Any workspace (import, review's "send to labeling", predictions) changed images."""
        for panel in self.findChildren(ImageListPanel):
            panel.refresh()
        self._refresh()
        self._show_start()
        if (ws := self.current_workspace()) is not None and self._project is not None:
            ws.data_changed()  # the others re-read when they are shown (activated)

    def _settings_changed(self, key: str) -> None:
        if key == "recent/projects":
            self.welcome.set_recent(self.settings.recent_projects())

    def _refresh(self) -> None:
        p = self._project
        count = p.images.count() if p is not None else 0
        page = self.welcome if p is None else (self.tabs if count else self.empty_page)
        if page is not self.stack.currentWidget():
            self.stack.setCurrentWidget(page)
            self._sync_workspace_menu()
            self._show_messages()
            if page is self.tabs and (ws := self.current_workspace()) is not None:
                ws.activated()
        for key in ("file.import", "file.close", "file.copy"):
            self.action_map[key].setEnabled(p is not None and not (key == "file.import"
                                                                   and p.readonly))
        self.action_map["file.roots"].setEnabled(p is not None and p.is_team)
        self.action_map["file.members"].setEnabled(p is not None and p.is_team)
        why = roles.why_not(p, "images.import")  # a team role that may not import: greyed
        roles.explain(self.action_map["file.import"], why)
        if why:
            self.action_map["file.import"].setEnabled(False)
        for key, action in self.action_map.items():
            if key.startswith("view.workspace."):
                action.setEnabled(page is self.tabs)
        self.image_count.setText(f"{count} image{'s' * (count != 1)}" if p is not None else "")
        self.welcome.set_recent(self.settings.recent_projects())
        self._update_title()

    def _update_title(self) -> None:
        if self._project is None:
            self.setWindowTitle(APP_NAME)
            return
        marker = ""
        if self._saving:
            marker = " (saving…)"
        elif self._dirty:
            marker = " •"
        readonly = " (read-only)" if self._project.readonly else ""
        team = self._project.team
        name = team.short() if team is not None else self._project.name
        self.setWindowTitle(f"{name}{marker}{readonly} — {APP_NAME}")

    def closeEvent(self, event) -> None:
        if not self._closed and not self._confirm_close():
            event.ignore()
            return
        if not self._closed:
            self._closed = True
            self.flush_all()
            for ws in self.workspaces():
                try:
                    ws.shutdown()
                except Exception:
                    log.exception("shutdown of %s failed", ws.title)
            for panel in self.findChildren(ImageListPanel):
                panel.shutdown()
            self.demo_runner.cancel()
            self.demo_runner.wait()
            self.close_project()
            self.save_layout()
            if self.error_handler is not None:
                self.error_handler.remove_flush_hook(self.flush_all)
        event.accept()
