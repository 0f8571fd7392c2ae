"""What grading returns: per-component results and the part's verdict."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .components import Component
from .rules import GradeScale, Reason


@dataclass(frozen=True)
class ZoneOverlap:
    """Pixels of a component inside one zone."""

    zone: str
    area_px: int
    area_mm2: float


@dataclass(frozen=True, eq=False)
class ComponentResult:
    """One defect component: pixel measurements, mm measurements, zones, grade and why."""

    class_value: int
    component: Component
    overlaps: tuple[ZoneOverlap, ...]
    area_mm2: float
    length_mm: float
    width_mm: float
    grade: str
    reasons: tuple[Reason, ...]

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        return self.component.bbox

    @property
    def mask(self) -> np.ndarray:
        return self.component.mask

    def to_dict(self) -> dict:
        """JSON-safe summary (no pixel mask, no contour)."""
        c = self.component
        return {
            "class_value": self.class_value,
            "grade": self.grade,
            "bbox": list(c.bbox),
            "centroid": list(c.centroid),
            "area_px": c.area_px,
            "area_mm2": self.area_mm2,
            "length_mm": self.length_mm,
            "width_mm": self.width_mm,
            "mean_prob": c.mean_prob,
            "max_prob": c.max_prob,
            "zones": {o.zone: o.area_mm2 for o in self.overlaps},
            "reasons": [r.text for r in self.reasons],
        }


@dataclass(frozen=True, eq=False)
class Verdict:
    """The part's grade (most severe reason), all reasons (most severe first), components."""

    grade: str
    reasons: tuple[Reason, ...]
    components: tuple[ComponentResult, ...]
    recipe_hash: str
    scale: GradeScale

    def to_dict(self) -> dict:
        return {
            "grade": self.grade,
            "recipe_hash": self.recipe_hash,
            "reasons": [r.to_dict() for r in self.reasons],
            "components": [c.to_dict() for c in self.components],
        }
