"""LiveModel: while "Live model" is on, a pixel classifier retrains after every committed stroke
and the shown image's pre-labels follow it (as ilastik's live update does).

Flow: MaskCommitter.committed -> a short timer (a burst of strokes is one retrain) -> one job
on a JobRunner (app.jobs.live_model.LiveTrainer: train on the marked images and the shown mask
as painted now, predict the shown image, find its components and outlines) -> the workspace
draws the pre-labels, the status bar says what happened. A commit during a retrain asks for
one more after it; only the latest state counts. Showing another image predicts it with the
model there is. Turning Live model off registers the last model as a project model
("pixel-<time>", app.ml.pixel_model), usable for pre-labels, grading and inspection, and the
stored pre-labels come back. Nothing here runs a model on the UI thread.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from app.core.prelabel import PreLabels
from app.ui.workers import JobRunner

from .prelabel_layer import build_outlines
from .prelabels import ShownPreLabels, prelabel_settings

LIVE_NAME = "live model"
COALESCE_MS = 300  # strokes closer than this retrain once


@dataclass
class LiveOutcome:
    image_id: int
    shown: ShownPreLabels
    result: object | None  # LiveResult when it trained, None when it only predicted
    predict_seconds: float
    generation: int


class LiveModel(QObject):
    shown = Signal(int, object)  # image id, ShownPreLabels: draw these pre-labels
    message = Signal(str)  # for the status bar
    saved = Signal(object)  # the registered ModelRow, after turning off

    def __init__(self, current, parent: QObject | None = None):
        """``current()``: (image id, a copy of its mask) of the shown image, or None."""
        super().__init__(parent)
        self._current = current
        self.project = None
        self.enabled = False
        self._trainer = None
        self._result = None  # the last LiveResult (its classifier predicts)
        self._unsaved = False
        self._train_wanted = False
        self._shown_for: int | None = None  # image whose pre-labels are the current model's
        self._generation = 0  # bumped per project: results of a closed one are dropped
        self._runner = JobRunner(self)
        self._runner.succeeded.connect(self._done)
        self._runner.failed.connect(self._failed)
        self._runner.progress.connect(
            lambda done, total, text: self.message.emit(f"{text} ({done + 1} of {total})"))
        self._saver = JobRunner(self)
        self._saver.succeeded.connect(self._on_saved)
        self._saver.failed.connect(
            lambda msg, _tb: self.message.emit(f"Could not save the live model: {msg}"))
        self._timer = QTimer(self, singleShot=True, interval=COALESCE_MS)
        self._timer.timeout.connect(self._kick)

    @property
    def showing(self) -> bool:
        """True while the pre-labels shown are the live model's (stored ones are not shown)."""
        return self.enabled

    @property
    def busy(self) -> bool:
        return self._runner.running or self._saver.running or self._timer.isActive()

    def set_project(self, project) -> None:
        self.shutdown()
        self._generation += 1
        self.project = project
        self._trainer = self._result = self._shown_for = None
        self._unsaved = False
        self._train_wanted = self.enabled

    def set_enabled(self, on: bool) -> None:
        if on == self.enabled:
            return
        self.enabled = on
        if on:
            if self.project is None:
                self.message.emit("Open a project first")
                return
            self.message.emit("live model on: it retrains after each stroke")
            self._train_wanted = True
            self._timer.start(0)
        else:
            self._timer.stop()
            self._runner.cancel()
            self._save()

    def on_committed(self, image_id: int) -> None:
        if self.enabled:
            self._train_wanted = True
            self._timer.start(COALESCE_MS)

    def on_image_shown(self, image_id: int) -> None:
        if self.enabled:
            self._shown_for = None
            self._timer.start(0)

    def shutdown(self) -> None:
        """Stop work and wait for it (closing the project); an unsaved model is dropped."""
        self._timer.stop()
        self._runner.cancel()
        self._runner.wait()
        self._saver.wait()

    # internals ------------------------------------------------------------------------------
    def _kick(self) -> None:
        if not self.enabled or self._runner.running or self._timer.isActive():
            return
        current = self._current()
        if current is None:
            return
        image_id, mask = current
        if self._train_wanted:
            self._train_wanted = False
            self._start(image_id, mask, train=True)
        elif self._result is not None and self._shown_for != image_id:
            self._start(image_id, mask, train=False)

    def _start(self, image_id: int, mask, train: bool) -> None:
        from app.jobs.live_model import LiveTrainer

        if self._trainer is None:
            self._trainer = LiveTrainer(self.project)
        trainer, project, last, generation = (self._trainer, self.project, self._result,
                                              self._generation)
        classes = frozenset(c.value for c in project.classes.list())
        threshold, min_pixels = prelabel_settings(project)

        def job(ctx):
            result = trainer.train(current=(image_id, mask), ctx=ctx) if train else last
            ctx.check()
            started = time.perf_counter()
            probs = trainer.predict(result.classifier, image_id)
            prelabels = PreLabels.from_probs(probs, result.classifier.class_values, threshold,
                                             classes, min_pixels)
            seconds = time.perf_counter() - started
            shown = ShownPreLabels(0, LIVE_NAME, prelabels, threshold, build_outlines(prelabels))
            return LiveOutcome(image_id, shown, result if train else None, seconds, generation)

        self._runner.start(job)

    def _done(self, outcome: LiveOutcome) -> None:
        if outcome.generation != self._generation:  # trained on a project closed since
            self._kick()
            return
        if outcome.result is not None:
            self._result = outcome.result
            self._unsaved = True
        if not self.enabled:
            return
        self._kick()  # strokes committed meanwhile: one more retrain
        self._shown_for = outcome.image_id
        self.shown.emit(outcome.image_id, outcome.shown)
        n = len(outcome.shown.prelabels)
        if outcome.result is not None:
            r = outcome.result
            images = f"{r.images} image" + ("s" if r.images != 1 else "")
            self.message.emit(f"live model: {r.pixels:,} pixels from {images}, "
                              f"{r.seconds:.1f} s; {n} pre-labels "
                              f"({outcome.predict_seconds:.1f} s)")
        else:
            self.message.emit(f"live model: {n} pre-labels ({outcome.predict_seconds:.1f} s)")

    def _failed(self, message: str) -> None:
        kind, _, text = message.partition(": ")
        self.message.emit(text if kind == "NothingToLearn" else f"live model: {message}")
        self._kick()

    def _save(self) -> None:
        if not self._unsaved or self._result is None or self.project is None:
            return
        if self.project.readonly:
            self.message.emit("live model off (read-only project: not saved)")
            return
        if self._saver.running:  # saving the one before: this one is saved when off again
            self.message.emit("live model off; the previous one is still being saved")
            return
        from app.jobs.live_model import save_live_model

        self._unsaved = False
        project, result = self.project, self._result
        self._saver.start(lambda ctx: save_live_model(project, result))
        self.message.emit("live model off: saving it as a project model…")

    def _on_saved(self, row) -> None:
        self.message.emit(f"live model saved as model {row.name}: pick it in Train to predict "
                          "more images, grade or inspect with it")
        self.saved.emit(row)
