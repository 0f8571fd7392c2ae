"""What-if arithmetic over a labeled set: model grades against true grades (Qt-free).

    cases = [Case(image_id, true_grade, predicted_grade), ...]
    c = confusion(cases, GradeScale())      # rows: true grade, columns: predicted grade
    c.escapes, c.false_rejects, c.escape_rate, c.false_reject_rate
    point = OperatingPoint.of(0.5, c)

Words: a part is *bad* when its true grade is not the best grade (OK). An *escape* is a bad
part the model grades OK (it would ship); a *false reject* is a good part the model grades
anything but OK (it would be reworked or scrapped for nothing). Rates divide by the bad and
the good parts respectively; a rate with nothing to divide is None.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from app.core.grading import GradeScale

#: Probability thresholds an operating-point sweep visits: 0.05 .. 0.95 in 0.05 steps, then
#: 0.97 and 0.99. Nothing below 0.05: there a model's background noise becomes thousands of
#: specks per part (90 ms a part at 0.02 on the bench's maps) and says nothing about grading.
SWEEP_THRESHOLDS: tuple[float, ...] = (*(round(i / 20, 2) for i in range(1, 20)), 0.97, 0.99)


@dataclass(frozen=True)
class Case:
    """One part of the labeled set: its true grade and the grade the model's prediction gets."""

    key: object  # image id (or anything that names the part)
    true: str
    predicted: str


@dataclass(frozen=True)
class Confusion:
    """Counts of (true grade, predicted grade) over a set, plus the parts behind the errors."""

    levels: tuple[str, ...]
    counts: np.ndarray  # int (L, L): rows true grade, columns predicted grade
    escape_keys: tuple = ()
    false_reject_keys: tuple = ()

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    @property
    def bad(self) -> int:
        return int(self.counts[1:].sum())

    @property
    def good(self) -> int:
        return int(self.counts[0].sum())

    @property
    def escapes(self) -> int:
        return int(self.counts[1:, 0].sum())

    @property
    def false_rejects(self) -> int:
        return int(self.counts[0, 1:].sum())

    @property
    def under_graded(self) -> int:
        """Parts graded less severe than they are (escapes, and SCRAP graded REWORK)."""
        return int(np.tril(self.counts, -1).sum())

    @property
    def agreement(self) -> float | None:
        return float(np.trace(self.counts)) / self.n if self.n else None

    @property
    def escape_rate(self) -> float | None:
        return self.escapes / self.bad if self.bad else None

    @property
    def false_reject_rate(self) -> float | None:
        return self.false_rejects / self.good if self.good else None

    def count(self, true: str, predicted: str) -> int:
        return int(self.counts[self.levels.index(true), self.levels.index(predicted)])


def confusion(cases: Iterable[Case], scale: GradeScale | None = None) -> Confusion:
    """The confusion matrix of grades; grades outside the scale raise KeyError."""
    scale = scale or GradeScale()
    n = len(scale.levels)
    counts = np.zeros((n, n), np.int64)
    escapes, rejects = [], []
    for c in cases:
        t, p = scale.rank(c.true), scale.rank(c.predicted)
        counts[t, p] += 1
        if t > 0 and p == 0:
            escapes.append(c.key)
        elif t == 0 and p > 0:
            rejects.append(c.key)
    return Confusion(scale.levels, counts, tuple(escapes), tuple(rejects))


def escapes(cases: Iterable[Case], scale: GradeScale | None = None) -> list:
    """Keys of the bad parts graded OK."""
    return list(confusion(cases, scale).escape_keys)


def false_rejects(cases: Iterable[Case], scale: GradeScale | None = None) -> list:
    """Keys of the good parts graded not OK."""
    return list(confusion(cases, scale).false_reject_keys)


@dataclass(frozen=True)
class OperatingPoint:
    """Where a threshold puts the model: its escape and false-reject rates (None: undefined)."""

    threshold: float
    escape_rate: float | None
    false_reject_rate: float | None
    escapes: int
    false_rejects: int
    n: int

    @classmethod
    def of(cls, threshold: float, c: Confusion) -> OperatingPoint:
        return cls(float(threshold), c.escape_rate, c.false_reject_rate, c.escapes,
                   c.false_rejects, c.n)


def curve(points: Iterable[OperatingPoint]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(thresholds, false-reject rates, escape rates) sorted by threshold, undefined as nan."""
    pts = sorted(points, key=lambda p: p.threshold)
    t = np.array([p.threshold for p in pts], float)
    fr = np.array([np.nan if p.false_reject_rate is None else p.false_reject_rate for p in pts])
    esc = np.array([np.nan if p.escape_rate is None else p.escape_rate for p in pts])
    return t, fr, esc


def sweep_order(thresholds: Iterable[float], current: float) -> list[float]:
    """Thresholds nearest `current` first, so a sweep shown as it goes fills in around the
    point the user looks at; of two as near, the higher (cheaper on noisy maps) first."""
    return sorted(thresholds, key=lambda t: (abs(t - current), -t))
