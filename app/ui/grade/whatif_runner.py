"""WhatIfRunner: keeps the labeled set's what-if up to date with the working recipe, off the
UI thread.

Every request restarts a short debounce; then a refresh (decode what is new, regrade all
from the cache) runs on a worker, cancelling a refresh or sweep still running (drop-stale).
When it is done, and only if something other than the swept class's threshold changed, the
operating-point sweep follows, its points arriving one by one (`point_ready`).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from app.core.whatif import SWEEP_THRESHOLDS, OperatingPoint
from app.jobs.whatif import WhatIfCache, WhatIfResult

from .latest import LatestRunner

DEBOUNCE_MS = 150


@dataclass(frozen=True)
class Refreshed:
    result: WhatIfResult
    recipe: object  # the Recipe graded
    sweep_class: int | None
    point: OperatingPoint | None  # the current threshold of sweep_class
    areas: dict  # class value -> (predicted px areas, labeled px areas)
    parts: int


class WhatIfRunner(QObject):
    refreshed = Signal(object)  # Refreshed
    point_ready = Signal(int, object)  # sweep id, OperatingPoint
    sweep_started = Signal(int, int)  # sweep id, thresholds
    sweep_done = Signal(int)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.cache = WhatIfCache()
        self.jobs = LatestRunner(self)
        self.jobs.failed.connect(lambda message, _details: self.failed.emit(message))
        self.sweep_id = 0
        self._sweep_key = None
        self._need_sync = True
        self._request = None
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self._start)

    @property
    def busy(self) -> bool:
        return self._timer.isActive() or self.jobs.busy

    def invalidate(self) -> None:
        """Labels, predictions or the active model may have changed: check them next time."""
        self._need_sync = True
        self._sweep_key = None

    def request(self, project, model_id: int | None, recipe, sweep_class: int | None,
                now: bool = False, anomaly_model_id: int | None = None) -> None:
        """`anomaly_model_id`: a good-parts-only model whose maps are graded beside."""
        self._request = (project, model_id, recipe, sweep_class, anomaly_model_id)
        if now:
            self._timer.stop()
            self._start()
        else:
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._request = None
        self.jobs.wait()

    def reset(self) -> None:
        """Stop, and forget every decoded part (another project)."""
        self.stop()
        self.cache = WhatIfCache()
        self.invalidate()

    def _start(self) -> None:
        if self._request is None:
            return
        project, model_id, recipe, cls, good = self._request
        if project is None or model_id is None:
            return
        cache, sync = self.cache, self._need_sync

        def refresh(ctx):
            if sync or (cache.model_id, cache.anomaly_model_id) != (model_id, good):
                cache.sync(project, model_id, ctx, anomaly_model_id=good)
            result = cache.evaluate(recipe, ctx)
            values = sorted(set(cache.label_values) | {c.value for c in recipe.classes})
            areas = {v: (cache.predicted_areas(v), cache.label_areas(v)) for v in values}
            point = (OperatingPoint.of(recipe.threshold(cls), result.vs_labels)
                     if cls is not None else None)
            return Refreshed(result, recipe, cls, point, areas, len(cache.cases))

        self.jobs.submit(refresh, lambda out: self._refreshed(out, (model_id, good), sync))

    def _refreshed(self, out: Refreshed, model_id: tuple, synced: bool) -> None:
        if synced:
            self._need_sync = False  # only now: a canceled sync must run again
        self.refreshed.emit(out)
        cls = out.sweep_class
        if cls is None or not out.parts:
            return
        # everything the sweep depends on: all of the recipe but the swept threshold
        key = (model_id, cls, out.recipe.with_threshold(cls, 0.5).content_hash, out.parts)
        if key == self._sweep_key:
            return
        self.sweep_id += 1
        sweep_id, cache, recipe = self.sweep_id, self.cache, out.recipe
        self.sweep_started.emit(sweep_id, len(SWEEP_THRESHOLDS))

        def sweep(ctx):
            cache.sweep(recipe, cls, ctx, on_point=lambda p: self.point_ready.emit(sweep_id, p))
            return key

        def done(k) -> None:
            self._sweep_key = k
            self.sweep_done.emit(sweep_id)

        self.jobs.submit(sweep, done)
