"""The status bar's two kinds of line: one message slot per workspace, and a permanent
progress line for work that goes on whatever workspace is shown (a training run).

    WorkspaceMessages(bar)        post(owner, text) keeps each workspace's latest message in
                                  its own slot; show(owner) puts the shown workspace's slot on the
                                  bar, so Label's "x 12 y 40" never lingers over Review.
    ProgressLine()                a permanent widget: set(text, done, total) / clear(). Busy
                                  (no total) shows a moving bar. Hidden while clear.

The main window owns one of each (`MainWindow.messages`, `MainWindow.progress_line`).
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QStatusBar, QWidget

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


class ProgressLine(QWidget):
    """A permanent status-bar widget: a short text and a bar (e.g. 'Training: epoch 3 of 30')."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("ProgressLine")
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(140)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        self.hide()

    def set(self, text: str, done: int = 0, total: int = 0) -> None:
        """Show `text` with done/total (total 0: busy, a moving bar)."""
        self.label.setText(text)
        self.bar.setRange(0, max(total, 0))
        if total > 0:
            self.bar.setValue(min(max(done, 0), total))
        self.show()

    def clear(self) -> None:
        self.label.clear()
        self.hide()
