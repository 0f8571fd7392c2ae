"""Flood fill: give a 4-connected region of equal mask value the current class."""

from __future__ import annotations

import math

import cv2
import numpy as np

from .base import NOTHING, Modifiers, Point, Tool, ToolMode, ToolResult
from .mask_edit import MaskEdit


def flood_fill(mask: np.ndarray, seed: Point, value: int) -> MaskEdit | None:
    """Fill the 4-connected region of ``mask[seed]``'s value with ``value``, in place.

    The whole region changes from one value to one value, so the undo atom needs no copy
    of old pixels: floodFill's own mask (cropped to the region's bbox) says where.
    """
    x, y = math.floor(seed[0]), math.floor(seed[1])
    h, w = mask.shape
    if not (0 <= x < w and 0 <= y < h):
        return None
    old = int(mask[y, x])
    if old == value:
        return None
    region = np.zeros((h + 2, w + 2), np.uint8)
    flags = 4 | (1 << 8)  # 4-connected, mark filled pixels with 1
    _, _, _, (rx, ry, rw, rh) = cv2.floodFill(mask, region, (x, y), value, 0, 0, flags)
    changed = region[1 + ry:1 + ry + rh, 1 + rx:1 + rx + rw].view(bool)
    return MaskEdit((rx, ry, rx + rw, ry + rh), changed, old, value)


class FillTool(Tool):
    """A press fills the region under the cursor (a hole, or the background around labels)."""

    mode = ToolMode.FILL
    paints_class = True

    def press(self, pt: Point, modifiers: Modifiers = Modifiers.NONE) -> ToolResult:
        edit = flood_fill(self.doc.mask, pt, self.doc.class_value)
        return ToolResult(edit.bbox, edit) if edit else NOTHING
