"""The status bar's job line: what long jobs (training, predicting) are doing, from any
workspace, e.g. "Training: Epoch 3/10 · loss 0.21 · ETA 40 s". Each workspace owns one line
(its `job_progress` signal); an empty line removes it, and the label hides when none is left."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel


class JobStatusLabel(QLabel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("jobStatus")
        self.lines: dict[str, str] = {}  # workspace title -> its line
        self.hide()

    def show_line(self, owner: str, text: str) -> None:
        if text:
            self.lines[owner] = text
        else:
            self.lines.pop(owner, None)
        self.setText(" · ".join(self.lines.values()))
        self.setVisible(bool(self.lines))
