"""BudgetNote: keeps the form's "what the time budget buys" line current.

The speed comes from the last such run stored in the project (instant, no torch), else from a
short probe of a few training steps on a worker thread (app.jobs.budget.measure_speed), kept per
model and device for the session. Form edits are coalesced; nothing is probed while a training
run is on (it would slow the run and measure a busy machine).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from app.jobs.budget import budget_text, stored_speed
from app.jobs.train_jobs import speed_job
from app.ui.workers import JobRunner

from .spec_form import SpecForm

MEASURING = "Measuring this machine's training speed to say what the budget buys…"


def _key(spec, device: str) -> tuple:
    return (spec.architecture, spec.encoder, spec.in_channels, spec.decoder_channels, device)


class BudgetNote(QObject):
    def __init__(self, form: SpecForm, busy: Callable[[], bool], parent: QObject | None = None):
        super().__init__(parent)
        self.form, self.busy = form, busy
        self.project = None
        self._probing: tuple = ()
        self.device: str | None = None  # known once the device probe has reported
        self._speeds: dict[tuple, object] = {}  # probe results: _key -> Speed
        self._failed: dict[tuple, str] = {}  # _key -> why the probe failed (not retried)
        self.runner = JobRunner(self)
        self.runner.succeeded.connect(self._measured)
        self.runner.failed.connect(self._probe_failed)
        self.runner.finished.connect(self.schedule)
        self.timer = QTimer(self, singleShot=True, interval=300)
        self.timer.timeout.connect(self.update)
        form.changed.connect(self.schedule)

    def set_context(self, project, device: str | None) -> None:
        self.project, self.device = project, device
        self.schedule()

    def schedule(self) -> None:
        self.timer.start()

    def update(self) -> None:
        minutes = self.form.budget_minutes()
        if not minutes or self.project is None or self.device is None:
            self.form.set_budget_note(None)
            return
        spec = self.form.spec()
        key = _key(spec, self.device)
        speed = stored_speed(self.project, spec, self.device) or self._speeds.get(key)
        if speed is None and key in self._failed:
            self.form.set_budget_note(f"Training speed unknown ({self._failed[key]})")
        elif speed is not None:
            self.form.set_budget_note(budget_text(speed, minutes, spec.tile_size))
        elif self.runner.running or self.busy():
            self.form.set_budget_note(MEASURING if self.runner.running else None)
        else:
            self.form.set_budget_note(MEASURING)
            job = speed_job(spec, self.form.batch.value(), self.device)
            self._probing = key
            self.runner.start(lambda ctx: (key, job(ctx)))

    def pause(self) -> None:
        """Training starts: a probe in progress is canceled (it ends between two steps)."""
        self.timer.stop()
        self.runner.cancel()

    def stop(self) -> None:
        """The project closes or the window does: cancel a probe and wait for its thread."""
        self.pause()
        self.runner.wait()

    def _measured(self, result) -> None:
        key, speed = result
        self._speeds[key] = speed

    def _probe_failed(self, message: str, details: str) -> None:
        self._failed[self._probing] = message
