"""RunBar: the run picker, "New inspection run…", "Resume", and a running job's progress.

Only widgets and signals; the workspace owns the job. The progress bar shows the count only
("12 / 40"), wide enough never to clip; what the job is doing goes in a label beside it in the
window's own text colour, elided to the room there is (the whole text on hover).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from app.core.statuses import DONE
from app.ui.roles import explain

FINISHED = (DONE,)  # the run statuses that need no resume (app.core.statuses)


def run_text(run) -> str:
    status = "" if run.status in FINISHED else f" — {run.status}"
    return f"#{run.id} {run.name}{status}  ({run.created_at[:16].replace('T', ' ')})"


class ElidedLabel(QLabel):
    """One line that shortens itself with "…" to its width instead of pushing the layout;
    `full_text` keeps the whole line (also its tooltip)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.full_text = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("Inspecting …") + 8)

    def set_full_text(self, text: str) -> None:
        self.full_text = text
        self.setToolTip(text)
        self._elide()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        self.setText(self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideMiddle,
                                                   max(self.width() - 2, 0)))


class RunBar(QWidget):
    run_selected = Signal(object)  # run id, or None
    new_requested = Signal()
    resume_requested = Signal(int)
    cancel_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.runs = QComboBox()
        self.runs.setMinimumContentsLength(28)
        self.runs.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # keys are the review's
        self.runs.currentIndexChanged.connect(self._selected)
        self.new = QPushButton("New inspection run…")
        self.new.clicked.connect(self.new_requested)
        self.resume = QPushButton("Resume")
        self.resume.setToolTip("Go on with the parts this run has not inspected yet")
        self.resume.clicked.connect(lambda: self.resume_requested.emit(self.runs.currentData()))
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("%v / %m")
        self.progress.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # room for "10000 / 10000" in the bar's own font: the count is never clipped
        self.progress.setMinimumWidth(self.progress.fontMetrics().horizontalAdvance(
            "10000 / 10000") + 40)
        self.cancel = QPushButton("Cancel")
        self.cancel.clicked.connect(self.cancel_requested)
        self.message = ElidedLabel()
        self.message.setObjectName("runMessage")
        for w in (self.new, self.resume, self.cancel):
            w.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.addWidget(QLabel("Inspection run"))
        layout.addWidget(self.runs, 2)
        layout.addWidget(self.resume)
        layout.addWidget(self.new)
        layout.addWidget(self.progress)
        layout.addWidget(self.cancel)
        layout.addWidget(self.message, 1)
        self._statuses: dict[int, str] = {}
        self.why_not_run = ""  # a team role that may not run inspections: greyed, and why
        self.running = False
        self.set_running(False)

    def set_runs(self, runs, select: int | None = None) -> None:
        """Fill the picker (newest first) and select `select` (default: the newest).
        Quiet: the caller loads the run; only a person's pick emits `run_selected`."""
        self.runs.blockSignals(True)
        self.runs.clear()
        self._statuses = {r.id: r.status for r in runs}
        for r in sorted(runs, key=lambda r: -r.id):
            self.runs.addItem(run_text(r), r.id)
        if not runs:
            self.runs.addItem("No inspection runs yet", None)
        index = self.runs.findData(select) if select is not None else 0
        self.runs.setCurrentIndex(max(index, 0))
        self.runs.blockSignals(False)
        self._sync_resume()

    def current_run(self) -> int | None:
        return self.runs.currentData()

    def set_running(self, on: bool, text: str = "") -> None:
        self.running = on
        self.progress.setVisible(on)
        self.cancel.setVisible(on)
        self.new.setEnabled(not on and not self.why_not_run)
        self.progress.setRange(0, 0)
        self.message.set_full_text(text)
        self._sync_resume()

    def set_refusal(self, why: str) -> None:
        """Grey New and Resume with the reason when the team role may not run inspections."""
        self.why_not_run = why
        explain(self.new, why)
        explain(self.resume, why)
        self.new.setEnabled(not self.running and not why)
        self._sync_resume()

    def show_progress(self, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, max(total, 0))
        self.progress.setValue(done)
        if message:
            self.message.set_full_text(message)

    def _selected(self) -> None:
        self._sync_resume()
        self.run_selected.emit(self.runs.currentData())

    def _sync_resume(self) -> None:
        status = self._statuses.get(self.runs.currentData())
        self.resume.setVisible(status is not None and status not in FINISHED)
        self.resume.setEnabled(not self.running and not self.why_not_run)
