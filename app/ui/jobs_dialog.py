"""TeamJobsDialog: the team project's worker jobs, whoever queued them, read every second; any
client cancels any job here (a queued one ends at once, a running one is asked to stop).
Opened from "Jobs…" beside the Run on choice (app/ui/run_on.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

COLUMNS = ("Job", "Kind", "Status", "Progress", "Worker", "Queued by", "Message")
POLL_MS = 1000
SHOWN = 100  # the newest jobs


def cells(r) -> tuple[str, ...]:
    return (str(r.id), r.kind, r.status + (" (stop asked)" if r.cancel_requested
                                           and not r.finished else ""),
            f"{r.progress:.0%}", r.worker or "", r.created_by, r.error or r.message)


class TeamJobsDialog(QDialog):
    def __init__(self, project, parent=None, poll_ms: int = POLL_MS):
        super().__init__(parent)
        self.setWindowTitle("Team jobs")
        self.resize(820, 360)
        self.project = project
        self.rows = []
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(len(COLUMNS) - 1,
                                                           QHeaderView.ResizeMode.Stretch)
        self.note = QLabel()
        self.cancel_button = QPushButton("Cancel job")
        self.cancel_button.setToolTip("A queued job ends at once; a running one is asked to "
                                      "stop (its worker stops it within seconds)")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.table.itemSelectionChanged.connect(self._sync)
        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.refresh()

    def selected(self):
        picked = self.table.selectionModel().selectedRows()
        return self.rows[picked[0].row()] if picked else None

    def refresh(self) -> None:
        try:
            rows = self.project.jobs.list(limit=SHOWN)
        except Exception as e:  # noqa: BLE001 - a network blip: say so, try again next second
            self.note.setText(f"Could not read the jobs: {type(e).__name__}: {e}")
            return
        keep = self.selected()
        self.rows = rows
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            for j, text in enumerate(cells(r)):
                item = QTableWidgetItem(text)
                if j in (0, 3):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, j, item)
            if keep is not None and r.id == keep.id:
                self.table.selectRow(i)
        waiting = sum(r.status == "queued" for r in rows)
        running = sum(r.status == "running" for r in rows)
        self.note.setText(f"{running} running, {waiting} waiting" if rows else
                          "No jobs yet: choose Run on: Team worker to queue one")
        self._sync()

    def cancel_selected(self) -> None:
        from app.store.jobs_repo import JobError

        row = self.selected()
        if row is None:
            return
        try:
            done = self.project.jobs.request_cancel(row.id)
        except JobError as e:
            self.note.setText(str(e))
            return
        self.refresh()
        self.note.setText(f"Job {done.id} canceled" if done.status == "canceled" else
                          f"Job {done.id}: asked {done.worker} to stop it")

    def _sync(self) -> None:
        row = self.selected()
        self.cancel_button.setEnabled(row is not None and not row.finished
                                      and not row.cancel_requested)

    def done(self, result: int) -> None:
        self.timer.stop()
        super().done(result)
