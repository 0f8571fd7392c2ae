"""Which graded parts a person should look at, and in what order. Qt-free (numpy + OpenCV).

    risk = assess(verdict, recipe, probs, class_values, zones_cache)
    risk.flagged, risk.score, [b.text for b in risk.borderline]

A part is **flagged** when its grade is not the best grade of the scale, or when it is
**borderline**: a small change would change its grade or rests on weak evidence. Checks:

- ``probability``: a component of a class the recipe has rules for, whose peak probability is
  within ``prob_margin`` of the class threshold (|p_max - t| < margin): a weak detection.
- ``measurement``: a component piece whose area or length is within ``measure_margin``
  (relative, 0.2 = 20 %) of a rule's max, above or below it. Pieces are cut by rule zone the
  way grading cuts them (app.core.grading.rules). Limits of 0 ("no defect allowed") are left to
  the other checks, as any defect there violates them by a whole component.
- ``count``: a count rule (max_count >= 1) with exactly max or max + 1 counted pieces: one
  defect more or less changes the grade.
- ``threshold``: the part's grade changes when every class threshold of the graded classes
  moves by ``threshold_delta`` down (not done for the worst grade) or up (not done for the
  best grade): at most two more gradings, skipped where no pixel lies between the two
  thresholds (the masks are then the same).

Each borderline finding has a **closeness** in [0, 1] (1 = at the limit; 0.5 for a count at
the limit, 1 for a threshold flip). The **risk score** ranks parts for review, worst grade
first, then closeness to a limit:

    score = (rank(grade) + 0.999 * max closeness) / number of grades         in [0, 1)

so every part of a worse grade outranks every part of a better one. A part that could not be
inspected (unreadable image) gets ERROR_RISK = 1.0, above all graded parts.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from .grading import ComponentResult, Recipe, Verdict, ZoneCache, grade
from .grading.components import box_sides, threshold_level

ERROR_RISK = 1.0
CHECKS = ("probability", "measurement", "count", "threshold")
_COUNT_CLOSENESS = 0.5
_SPAN = 0.999  # keeps a closeness of 1 below the next grade's band


@dataclass(frozen=True)
class RiskConfig:
    """Margins of the borderline checks (probabilities 0..1; measurements relative)."""

    prob_margin: float = 0.1
    measure_margin: float = 0.2
    threshold_delta: float = 0.05

    def __post_init__(self) -> None:
        for name in ("prob_margin", "measure_margin", "threshold_delta"):
            v = float(getattr(self, name))
            if not (math.isfinite(v) and v >= 0):
                raise ValueError(f"{name} must be >= 0, got {v!r}")
            object.__setattr__(self, name, v)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Borderline:
    """One reason a part is borderline, in words and numbers."""

    check: str  # one of CHECKS
    text: str
    closeness: float  # 0..1, 1 = at the limit
    component: int | None = None  # index into verdict.components; None: the whole part
    class_value: int | None = None
    zone: str | None = None
    value: float = float("nan")  # probability, mm² / mm (px uncalibrated), count, or grade rank
    limit: float = float("nan")  # threshold or rule limit

    def to_dict(self) -> dict:
        """JSON-safe; `kind` "borderline" and `grade` None tell it from a grade reason."""
        return {
            "kind": "borderline",
            "grade": None,
            "check": self.check,
            "component": self.component,
            "class_value": self.class_value,
            "zone": self.zone,
            "value": _finite(self.value),
            "limit": _finite(self.limit),
            "closeness": round(self.closeness, 4),
            "text": self.text,
        }


@dataclass(frozen=True)
class Risk:
    score: float
    flagged: bool
    borderline: tuple[Borderline, ...] = field(default=())

    @property
    def closeness(self) -> float:
        return max((b.closeness for b in self.borderline), default=0.0)

    def for_component(self, index: int) -> list[Borderline]:
        return [b for b in self.borderline if b.component == index]


def risk_score(rank: int, levels: int, closeness: float) -> float:
    """(rank + 0.999 * closeness) / levels: worst grade first, then closeness to a limit."""
    c = min(max(float(closeness), 0.0), 1.0)
    return (rank + _SPAN * c) / levels


def assess(
    verdict: Verdict,
    recipe: Recipe,
    probs: np.ndarray | None = None,
    class_values: Sequence[int] | None = None,
    zones_cache: ZoneCache | None = None,
    config: RiskConfig | None = None,
) -> Risk:
    """Risk of one graded part. `probs`/`class_values` (as given to grade()) enable the
    threshold check and exact piece lengths; without them (a graded label mask) those are
    skipped and a piece's length is its component's."""
    config = config or RiskConfig()
    shape = None if probs is None else probs.shape[1:]
    found: list[Borderline] = []
    found += _probability(verdict, recipe, config)
    found += _measurements(verdict, recipe, config, shape, zones_cache)
    if probs is not None and class_values is not None:
        found += _threshold(verdict, recipe, probs, class_values, zones_cache, config)
    found.sort(key=lambda b: -b.closeness)
    scale = verdict.scale
    rank = scale.rank(verdict.grade)
    closeness = max((b.closeness for b in found), default=0.0)
    return Risk(
        score=risk_score(rank, len(scale.levels), closeness),
        flagged=rank > 0 or bool(found),
        borderline=tuple(found),
    )


# --- checks --------------------------------------------------------------------------------


def _probability(verdict: Verdict, recipe: Recipe, config: RiskConfig) -> list[Borderline]:
    if config.prob_margin <= 0:
        return []
    ruled = {r.class_value for r in recipe.rules}
    out = []
    for i, c in enumerate(verdict.components):
        p = c.component.max_prob
        if p is None or c.class_value not in ruled:
            continue
        t = recipe.threshold(c.class_value)
        gap = abs(p - t)
        if gap < config.prob_margin:
            name = recipe.class_name(c.class_value)
            out.append(Borderline(
                "probability",
                f"{name} peak probability {p:.2f} is within {config.prob_margin:g} of its "
                f"threshold {t:.2f}",
                1.0 - gap / config.prob_margin, i, c.class_value, None, p, t))
    return out


@dataclass
class _Piece:
    component: int
    class_value: int
    zone: str
    area_mm2: float
    length_mm: float


def _pieces(verdict: Verdict, recipe: Recipe, shape, zones_cache) -> list[_Piece]:
    """Pieces as grading cuts them: one per rule zone (zones falling back to the same rules
    merge). Partial pieces get their own length only when a length rule reads it."""
    book = recipe.rulebook
    raster = None
    out = []
    for i, c in enumerate(verdict.components):
        groups: dict[str, list[str]] = defaultdict(list)
        areas: dict[str, float] = defaultdict(float)
        for o in c.overlaps:
            rz = book.zone_for(c.class_value, o.zone)
            if rz is not None:
                groups[rz].append(o.zone)
                areas[rz] += o.area_mm2
        for rz, zones in groups.items():
            length = c.length_mm
            whole = len(zones) == len(c.overlaps)
            if not whole and book.needs_length(c.class_value, rz) and shape is not None:
                if raster is None:
                    raster = (zones_cache.get(recipe.zones, shape) if zones_cache is not None
                              else recipe.zones.rasterize(shape))
                length = recipe.calibration.length_mm(_piece_length_px(c, raster, zones))
            out.append(_Piece(i, c.class_value, rz, areas[rz], length))
    return out


def _piece_length_px(c: ComponentResult, raster, zones: list[str]) -> float:
    x, y, w, h = c.bbox
    crop = raster.labels[y : y + h, x : x + w]
    inside = np.isin(crop, [raster.names.index(z) for z in zones]) & c.mask
    contours, _ = cv2.findContours(inside.astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return 0.0
    return box_sides(np.concatenate(contours).reshape(-1, 2))[0]


def _measurements(verdict, recipe: Recipe, config: RiskConfig, shape, zones_cache) -> list:
    book, cal, m = recipe.rulebook, recipe.calibration, config.measure_margin
    au, lu = cal.area_unit, cal.length_unit
    out: list[Borderline] = []
    counted: dict[int, int] = defaultdict(int)
    rules = {}
    for p in _pieces(verdict, recipe, shape, zones_cache):
        name = recipe.class_name(p.class_value)
        for r in book.rules_for(p.class_value, p.zone):
            if p.area_mm2 < r.min_area_mm2:
                continue
            counted[id(r)] += 1
            rules[id(r)] = r
            for kind, value, limit, unit in (("area", p.area_mm2, r.max_area_mm2, au),
                                             ("length", p.length_mm, r.max_length_mm, lu)):
                if limit is None or limit <= 0 or m <= 0 or not math.isfinite(value):
                    continue
                gap = abs(value - limit) / (m * limit)
                if gap < 1.0:
                    side = "over" if value > limit else "under"
                    out.append(Borderline(
                        "measurement",
                        f"{name} {kind} {_num(value)} {unit} in {p.zone} is just {side} the "
                        f"{r.grade} limit {_num(limit)} {unit}",
                        1.0 - gap, p.component, p.class_value, p.zone, value, limit))
    for key, n in counted.items():
        r = rules[key]
        if r.max_count is not None and r.max_count >= 1 and n in (r.max_count, r.max_count + 1):
            out.append(Borderline(
                "count",
                f"{n} {recipe.class_name(r.class_value)} defects in {r.zone}: one from the "
                f"{r.grade} limit of {r.max_count}",
                _COUNT_CLOSENESS, None, r.class_value, r.zone, float(n), float(r.max_count)))
    return out


def _threshold(verdict, recipe: Recipe, probs, class_values, zones_cache, config) -> list:
    d = config.threshold_delta
    if d <= 0:
        return []
    # Only classes with rules can change the grade; a direction whose probability band
    # [shifted, current) holds no pixel of any of them gives the same masks: no re-grade.
    values = list(class_values)
    ruled = [v for v in values if any(r.class_value == v for r in recipe.rules)]
    if not ruled:
        return []
    index = [values.index(v) for v in ruled]
    maps = probs if len(index) == len(values) else probs[index]
    hists = [cv2.calcHist([np.ascontiguousarray(maps[i])], [0], None, [256], [0, 256]).ravel()
             for i in range(len(ruled))]
    scale = verdict.scale
    rank = scale.rank(verdict.grade)
    out = []
    for sign in (-1, 1):
        # Lower thresholds find more and larger defects: only a worse grade is plausible, so
        # the worst grade is not re-graded lower, nor the best higher.
        if (sign < 0 and rank == len(scale.levels) - 1) or (sign > 0 and rank == 0):
            continue
        shifted = _shift_thresholds(recipe, ruled, sign * d)
        if shifted is None or not any(
                _band(h, recipe.threshold(v), shifted.threshold(v)) for h, v in zip(
                    hists, ruled, strict=True)):
            continue
        g = grade(maps, ruled, shifted, zones_cache).grade
        if g != verdict.grade:
            out.append(Borderline(
                "threshold",
                f"grade would be {g} with every threshold {'lowered' if sign < 0 else 'raised'}"
                f" by {d:g}",
                1.0, None, None, None, float(scale.rank(g)), float(scale.rank(verdict.grade))))
    return out


def _band(hist: np.ndarray, t: float, shifted: float) -> bool:
    """Whether any pixel flips between thresholds t and shifted (levels as in grading)."""
    a, b = sorted((threshold_level(t), threshold_level(shifted)))
    return bool(hist[a:b].sum() > 0)


def _shift_thresholds(recipe: Recipe, class_values, delta: float) -> Recipe | None:
    classes = {c.value: c for c in recipe.classes}
    changed = False
    for v in class_values:
        c = recipe.class_setting(v)
        t = min(max(c.threshold + delta, 0.0), 1.0)
        changed |= t != c.threshold
        classes[v] = replace(c, threshold=t)
    if not changed:
        return None
    return replace(recipe, classes=tuple(classes.values()))


def _num(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 1000 else f"{v:.4g}"


def _finite(v: float) -> float | None:
    return float(v) if v is not None and math.isfinite(v) else None
