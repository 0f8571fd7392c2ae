"""Cheap per-component painting for the UI: only each component's bbox is touched."""

from __future__ import annotations

import numpy as np

from .verdict import Verdict


def grade_image(verdict: Verdict, shape: tuple[int, int]) -> np.ndarray:
    """uint8 (H, W): 0 = no defect, 1 + grade rank elsewhere (map to colours with a LUT).

    Components are painted least severe first, so the most severe wins where classes overlap.
    """
    out = np.zeros(shape, np.uint8)
    rank = verdict.scale.rank
    for c in sorted(verdict.components, key=lambda c: rank(c.grade)):
        x, y, w, h = c.bbox
        out[y : y + h, x : x + w][c.mask] = 1 + rank(c.grade)
    return out


def class_image(verdict: Verdict, shape: tuple[int, int]) -> np.ndarray:
    """uint8 (H, W): 0 = no defect, else the class value of the component there (the most
    severely graded component wins where components overlap)."""
    out = np.zeros(shape, np.uint8)
    rank = verdict.scale.rank
    for c in sorted(verdict.components, key=lambda c: rank(c.grade)):
        x, y, w, h = c.bbox
        out[y : y + h, x : x + w][c.mask] = c.class_value
    return out


def component_index_image(verdict: Verdict, shape: tuple[int, int]) -> np.ndarray:
    """int32 (H, W): 0 = none, i + 1 = verdict.components[i] (hit testing under the cursor)."""
    out = np.zeros(shape, np.int32)
    for i, c in enumerate(verdict.components):
        x, y, w, h = c.bbox
        out[y : y + h, x : x + w][c.mask] = i + 1
    return out
