"""What the main window needs from a workspace (Label, Train, Grade, Review).

A workspace is a QWidget that owns its panels and its own actions. The main window only composes
them: it shows one at a time, hands each the open project, and puts their actions in menus.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget


class Workspace(QWidget):
    """Base class. Subclasses set `title` and override the hooks they need."""

    title = "Workspace"
    #: a short line for the status bar (pixel under the cursor, progress, ...)
    status_message = Signal(str)
    #: something unsaved is pending (the main window shows it in the title)
    dirty_changed = Signal(bool)
    #: a long job's progress line (training, predicting), shown on the status bar whichever
    #: workspace is shown; "" when it is over. status_message shows only while this one shows.
    job_progress = Signal(str)

    def set_project(self, project) -> None:
        """Called with the open app.store.Project, or None when the project closes."""

    def workspace_actions(self) -> list[QAction]:
        """Actions with shortcuts, enabled only while this workspace is shown."""
        return []

    def activated(self) -> None:
        """The workspace became the visible one."""

    def confirm_close(self) -> bool:
        """Unsaved work that flush() does not save (a draft): ask the user; False: stay open."""
        return True

    def data_changed(self) -> None:
        """Images, masks or predictions changed elsewhere (an import, predictions after
        training) while this workspace is shown: re-read what it shows. activated() re-reads
        when it is shown later."""

    def flush(self) -> None:
        """Commit anything pending now (before close, project switch, or on an error)."""

    def shutdown(self) -> None:
        """Stop workers and join their threads; called before the window closes."""
