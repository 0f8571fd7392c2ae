"""The status bar's messages: one slot per workspace.

    WorkspaceMessages(bar)        post(owner, text) keeps each workspace's latest message in
                                  its own slot; show(owner) puts the shown workspace's slot on the
                                  bar, so Label's "x 12 y 40" never lingers over Review.

The main window owns one (`MainWindow.messages`). Work that goes on whatever workspace is shown
(training, predicting, building the demo) has its own line: app.ui.job_status.
"""

from __future__ import annotations

from PySide6.QtWidgets import QStatusBar

WINDOW = ""  # the owner name of the window's own messages (demo build, ...)


class WorkspaceMessages:
    """Per-workspace message slots on one QStatusBar."""

    def __init__(self, bar: QStatusBar):
        self.bar = bar
        self.slots: dict[str, str] = {}
        self.shown: str | None = None

    def post(self, owner: str, text: str, timeout_ms: int = 0) -> None:
        """`owner`'s latest message (empty text clears its slot); on the bar if it is shown.
        A message with a timeout is transient: it is not kept for when the owner shows again."""
        self.slots[owner] = "" if timeout_ms else text
        if owner in (self.shown, WINDOW):
            self.bar.showMessage(text, timeout_ms)

    def show(self, owner: str | None) -> None:
        """`owner` became the shown workspace (None: no workspace, e.g. the welcome page)."""
        self.shown = owner
        self.bar.showMessage(self.slots.get(owner, "") if owner is not None else "")

    def current(self) -> str:
        return self.bar.currentMessage()
