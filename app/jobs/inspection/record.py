"""The record an inspection run stores for one graded part (app.core.inspection_record).

What it holds, and in what order:
- reasons: grade reasons first, most severe first (app.core.grading.Reason); then borderline
  findings (app.core.risk.Borderline, `component` re-indexed into the stored components); then,
  when components were left out, a "note" with their count.
- components: most severe, then largest first, at most MAX_COMPONENTS (components with a
  reason are always kept), each with its class name and its outer border simplified to at most
  MAX_OUTLINE_POINTS vertices (outline_points).
Floats are rounded (json_safe): the record is small and JSON-safe.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from app.core.grading import Recipe, Verdict
from app.core.inspection_record import InspectionRecord, StoredComponent, StoredReason
from app.core.risk import Risk

MAX_COMPONENTS = 200
MAX_OUTLINE_POINTS = 64  # vertices kept per stored component outline


def result_record(verdict: Verdict, risk: Risk, recipe: Recipe,
                  class_names: dict[int, str] | None = None,
                  sha256: str = "") -> InspectionRecord:
    """The stored record of one graded part, JSON-safe and small: components capped at
    MAX_COMPONENTS (those with a reason always kept), outlines simplified. `class_names` names
    classes the recipe does not (default: "class N")."""
    names = class_names or {}
    rank = verdict.scale.rank
    order = sorted(range(len(verdict.components)),
                   key=lambda i: (-rank(verdict.components[i].grade),
                                  -verdict.components[i].component.area_px, i))
    keep = [i for i in order if verdict.components[i].reasons]
    rest = [i for i in order if not verdict.components[i].reasons]
    keep += rest[:max(MAX_COMPONENTS - len(keep), 0)]
    keep_set = set(keep)
    index = {old: new for new, old in enumerate(i for i in order if i in keep_set)}
    checks: dict[int, list[str]] = {}
    for b in risk.borderline:
        if b.component is not None:
            checks.setdefault(b.component, []).append(b.check)
    components = [_component(verdict.components[i], names, recipe, checks.get(i, []))
                  for i in order if i in keep_set]
    reasons = [r.to_dict() for r in verdict.reasons]
    for b in risk.borderline:
        d = b.to_dict()
        d["component"] = index.get(b.component) if b.component is not None else None
        reasons.append(d)
    dropped = len(verdict.components) - len(components)
    if dropped:
        reasons.append({"kind": "note", "grade": None, "value": dropped,
                        "text": f"{dropped} smaller components without a reason not stored"})
    return InspectionRecord(
        verdict.grade, tuple(StoredReason.from_dict(r) for r in json_safe(reasons)),
        tuple(StoredComponent.from_dict(c) for c in json_safe(components)),
        round(float(risk.score), 6), bool(risk.flagged), sha256=sha256)


def _component(c, names: dict[int, str], recipe: Recipe, checks: list[str]) -> dict:
    d = c.to_dict()
    d["class"] = names.get(c.class_value) or recipe.class_name(c.class_value)
    d["borderline"] = sorted(set(checks))
    d["contour"] = outline_points(c.component.contour)
    return d


def outline_points(contour: np.ndarray, max_points: int = MAX_OUTLINE_POINTS) -> list[list[int]]:
    """The component's outer border (pixel indices), simplified to at most `max_points`
    vertices (Douglas-Peucker, tolerance doubled from 0.5 px until it fits): enough for the
    Review workspace to outline the defect's shape, small enough to store per component."""
    pts = np.asarray(contour, np.int32).reshape(-1, 1, 2)
    eps = 0.5
    while len(pts) > max_points:
        pts = cv2.approxPolyDP(pts, eps, True)  # type: ignore[assignment]  # cv2 stubs: any ndarray
        eps *= 2
    return pts.reshape(-1, 2).tolist()


def json_safe(obj, digits: int = 4):
    """Rounds floats (non-finite -> None), tuples -> lists, numpy scalars -> Python."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v, digits) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float):
        return round(obj, digits) if math.isfinite(obj) else None
    return obj
