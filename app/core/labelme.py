"""labelme JSON files: read their shapes and rasterize them into a label mask.

Shapes are drawn in file order with OpenCV, each painting its value over what came before, so a
later shape wins where two overlap. labelme has no holes: to cut one, draw a shape labeled
``_background_`` (any of ``HOLE_LABELS``) after the shape it cuts; it paints 0.

Drawn: ``polygon`` (3+ points, ``cv2.fillPoly``), ``rectangle`` (two corners, inclusive) and
``circle`` (centre, then a point on the rim). Other types (line, linestrip, point, mask) hold no
area we can trust and are only counted. Vertices are rounded to the nearest pixel index, the
integer-vertex convention of ``cv2.fillPoly`` (docs/ARCHITECTURE.md, Geometry).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

HOLE_LABELS = frozenset({"_background_", "background"})
AREA_TYPES = frozenset({"polygon", "rectangle", "circle"})
_FAR = float(1 << 20)


class LabelmeError(ValueError):
    """The file is not a labelme annotation we can read; the message says why."""


@dataclass(frozen=True)
class Shape:
    label: str
    kind: str  # labelme's shape_type
    points: tuple[tuple[float, float], ...]

    @property
    def is_hole(self) -> bool:
        return self.label in HOLE_LABELS

    @property
    def drawable(self) -> bool:
        need = 3 if self.kind == "polygon" else 2
        return self.kind in AREA_TYPES and len(self.points) >= need


@dataclass(frozen=True)
class LabelmeFile:
    width: int | None  # imageWidth, when the file says
    height: int | None
    shapes: tuple[Shape, ...]

    def labels(self) -> list[str]:
        """Class labels of the drawable shapes, in order of first appearance, holes left out."""
        seen: dict[str, None] = {}
        for s in self.shapes:
            if s.drawable and not s.is_hole:
                seen.setdefault(s.label)
        return list(seen)

    @property
    def ignored(self) -> int:
        return sum(not s.drawable for s in self.shapes)


def read_labelme(path: str | Path) -> LabelmeFile:
    try:
        doc = json.loads(Path(path).read_bytes())
    except OSError as e:
        raise LabelmeError(f"cannot read the file ({e.strerror})") from e
    except ValueError as e:  # JSON and Unicode errors alike
        raise LabelmeError(f"not valid JSON ({e})") from e
    except RecursionError:
        raise LabelmeError("nested too deeply to be a labelme file") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("shapes"), list):
        raise LabelmeError("not a labelme file (no 'shapes' list)")
    try:
        shapes = tuple(
            Shape(str(s.get("label") or "").strip(), str(s.get("shape_type") or "polygon"),
                  tuple((float(x), float(y)) for x, y in s.get("points") or ()))
            for s in doc["shapes"]
        )
        width, height = doc.get("imageWidth"), doc.get("imageHeight")
        width = int(width) if width is not None else None
        height = int(height) if height is not None else None
    except (TypeError, ValueError, AttributeError) as e:
        raise LabelmeError(f"malformed shape or image size ({e})") from e
    if any(not all(map(math.isfinite, p)) for s in shapes for p in s.points):
        raise LabelmeError("a shape has a point that is not a finite number")
    return LabelmeFile(width, height, shapes)


def rasterize(doc: LabelmeFile, size: tuple[int, int], values: dict[str, int]) -> np.ndarray:
    """uint8 (H, W) mask of ``size`` (H, W); ``values`` maps each label to its pixel value."""
    mask = np.zeros(size, np.uint8)
    for s in doc.shapes:
        if s.drawable:
            _draw(mask, s, 0 if s.is_hole else values[s.label])
    return mask


def _draw(mask: np.ndarray, s: Shape, value: int) -> None:
    # Clipped far outside any image only so absurd coordinates cannot overflow int32.
    pts = np.rint(np.clip(np.asarray(s.points, np.float64), -_FAR, _FAR)).astype(np.int32)
    if s.kind == "polygon":
        cv2.fillPoly(mask, [pts], value)
    elif s.kind == "rectangle":
        (x0, y0), (x1, y1) = pts[0], pts[1]
        cv2.rectangle(mask, (int(min(x0, x1)), int(min(y0, y1))),
                      (int(max(x0, x1)), int(max(y0, y1))), value, thickness=-1)
    else:  # circle: centre, then a point on the rim
        (cx, cy), (rx, ry) = s.points[0], s.points[1]
        radius = int(round(min(math.hypot(rx - cx, ry - cy), _FAR)))
        cv2.circle(mask, (int(pts[0][0]), int(pts[0][1])), radius, value, thickness=-1)
