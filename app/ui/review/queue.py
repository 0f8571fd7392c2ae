"""ReviewQueue: a run's flagged parts, most risky first, with filters and a cursor (no Qt).

The queue holds parts the model graded worse than the best grade, or flagged as borderline.
Filters narrow what next/previous visit; progress and mean time count the whole queue.
The grade filter reads the model's grade (the verdict under review), so a part does not
vanish from the filtered view when the reviewer overrides it.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.grading import GradeScale

from .parts import result_classes, result_zones


@dataclass(frozen=True)
class QueueFilter:
    """None means "any"."""

    grade: str | None = None
    defect_class: str | None = None
    zone: str | None = None
    reviewed: bool | None = None

    def accepts(self, r, names=None) -> bool:
        if self.grade is not None and r.grade != self.grade:
            return False
        if self.defect_class is not None and self.defect_class not in result_classes(r, names):
            return False
        if self.zone is not None and self.zone not in result_zones(r):
            return False
        return self.reviewed is None or (r.decision is not None) == self.reviewed


def needs_review(r, scale: GradeScale) -> bool:
    """Flagged (borderline) or graded worse than the best grade; unreadable parts are not."""
    return r.error is None and r.grade is not None and (r.flagged or r.grade != scale.best)


class ReviewQueue:
    def __init__(self, results=(), scale: GradeScale | None = None, names=None):
        self.scale = scale or GradeScale()
        self.names = names or {}
        items = [r for r in results if needs_review(r, self.scale)]
        self.items = sorted(items, key=lambda r: (-r.risk, r.id))  # stable: risk, then id
        self.filter = QueueFilter()
        self.visible: list[int] = list(range(len(self.items)))  # indices into items
        self.pos = 0 if self.items else -1  # index into visible

    # cursor -------------------------------------------------------------------------------------
    @property
    def current(self):
        return self.items[self.visible[self.pos]] if 0 <= self.pos < len(self.visible) else None

    def next(self) -> bool:
        if self.pos + 1 < len(self.visible):
            self.pos += 1
            return True
        return False

    def prev(self) -> bool:
        if self.pos > 0:
            self.pos -= 1
            return True
        return False

    def go_to(self, visible_row: int) -> bool:
        if 0 <= visible_row < len(self.visible) and visible_row != self.pos:
            self.pos = visible_row
            return True
        return False

    def visible_items(self) -> list:
        return [self.items[i] for i in self.visible]

    # changes ------------------------------------------------------------------------------------
    def set_filter(self, f: QueueFilter) -> None:
        """Apply `f`, keeping the current part selected when it still passes."""
        keep = self.current
        self.filter = f
        self.visible = [i for i, r in enumerate(self.items) if f.accepts(r, self.names)]
        ids = [self.items[i].id for i in self.visible]
        if keep is not None and keep.id in ids:
            self.pos = ids.index(keep.id)
        else:
            self.pos = 0 if self.visible else -1

    def reapply(self) -> bool:
        """Re-run the filter after a row changed. True when the current part still passes;
        otherwise the cursor stays on the same row, which now holds the next part."""
        keep, row = self.current, self.pos
        self.visible = [i for i, r in enumerate(self.items) if self.filter.accepts(r, self.names)]
        ids = [self.items[i].id for i in self.visible]
        if keep is not None and keep.id in ids:
            self.pos = ids.index(keep.id)
            return True
        self.pos = min(row, len(self.visible) - 1)
        return False

    def add(self, results) -> int:
        """Parts stored while the run works: the ones that need review join in risk order.
        The current part stays current (the cursor follows it); returns how many joined."""
        known = {r.id for r in self.items}
        new = [r for r in results if r.id not in known and needs_review(r, self.scale)]
        if not new:
            return 0
        keep = self.current
        self.items = sorted([*self.items, *new], key=lambda r: (-r.risk, r.id))
        self.visible = [i for i, r in enumerate(self.items) if self.filter.accepts(r, self.names)]
        ids = [self.items[i].id for i in self.visible]
        if keep is not None and keep.id in ids:
            self.pos = ids.index(keep.id)
        else:
            self.pos = 0 if self.visible else -1
        return len(new)

    def replace(self, result) -> None:
        """Put an updated row (after a decision) in place of the old one."""
        for i, r in enumerate(self.items):
            if r.id == result.id:
                self.items[i] = result
                return

    # figures ------------------------------------------------------------------------------------
    @property
    def reviewed(self) -> int:
        return sum(r.decision is not None for r in self.items)

    @property
    def total(self) -> int:
        return len(self.items)

    def mean_seconds(self) -> float | None:
        secs = [r.decision.seconds for r in self.items
                if r.decision is not None and r.decision.seconds is not None]
        return sum(secs) / len(secs) if secs else None

    def choices(self) -> tuple[list[str], list[str], list[str]]:
        """(grades, classes, zones) present in the queue, for the filter combos."""
        grades = [g for g in self.scale.levels if any(r.grade == g for r in self.items)]
        classes = sorted({c for r in self.items for c in result_classes(r, self.names)})
        zones = sorted({z for r in self.items for z in result_zones(r)})
        return grades, classes, zones
