"""Canvas tools of the Grade workspace: a mode enum and a dispatch table (Qt-free).

Each tool takes image points (canvas frame: pixel i spans i..i+1) and returns what it made,
or None: the controller turns those into signals. A test drives them without a window.

- SelectTool: a click picks the component under it.
- PolygonTool (zone and hole modes): click vertices; Enter (or a click on the first vertex,
  or a double click) closes the ring; Backspace drops the last vertex; Escape cancels.
- MeasureTool: press, drag, release: a line over a feature of known length.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum

Point = tuple[float, float]


class Mode(Enum):
    SELECT = "select"
    ZONE = "zone"  # a ring for a new zone, or another area of the selected zone
    HOLE = "hole"  # a ring cut out of the selected zone
    MEASURE = "measure"


@dataclass(frozen=True)
class Picked:
    point: Point


@dataclass(frozen=True)
class Ring:
    points: tuple[Point, ...]
    hole: bool


@dataclass(frozen=True)
class Line:
    p0: Point
    p1: Point

    @property
    def length(self) -> float:
        return math.dist(self.p0, self.p1)


class SelectTool:
    def press(self, pt: Point, tolerance: float = 0.0):
        return Picked(pt)

    def move(self, pt: Point):
        return None

    def release(self, pt: Point):
        return None

    def key(self, name: str):
        return None

    def double_click(self, pt: Point):
        return None


@dataclass
class PolygonTool:
    hole: bool = False
    points: list[Point] = field(default_factory=list)
    cursor: Point | None = None

    def press(self, pt: Point, tolerance: float = 0.0):
        if len(self.points) >= 3 and math.dist(pt, self.points[0]) <= tolerance:
            return self.key("close")
        self.points.append(pt)
        return None

    def move(self, pt: Point):
        self.cursor = pt
        return None

    def release(self, pt: Point):
        return None

    def double_click(self, pt: Point):
        # the double click's first press already added this vertex
        return self.key("close")

    def key(self, name: str):
        if name == "close":
            if len(self.points) < 3:
                return None
            ring = Ring(tuple(self.points), self.hole)
            self.points = []
            return ring
        if name == "back" and self.points:
            self.points.pop()
        elif name == "cancel":
            self.points = []
        return None

    @property
    def drawing(self) -> bool:
        return bool(self.points)


@dataclass
class MeasureTool:
    p0: Point | None = None
    p1: Point | None = None

    def press(self, pt: Point, tolerance: float = 0.0):
        self.p0 = self.p1 = pt
        return None

    def move(self, pt: Point):
        if self.p0 is not None:
            self.p1 = pt
        return None

    def release(self, pt: Point):
        if self.p0 is None:
            return None
        line = Line(self.p0, pt)
        self.p0 = self.p1 = None
        return line if line.length > 0 else None

    def double_click(self, pt: Point):
        return None

    def key(self, name: str):
        if name == "cancel":
            self.p0 = self.p1 = None
        return None


TOOLS = {
    Mode.SELECT: SelectTool,
    Mode.ZONE: PolygonTool,
    Mode.HOLE: lambda: PolygonTool(hole=True),
    Mode.MEASURE: MeasureTool,
}


def zone_vertex(pt: Point) -> Point:
    """Canvas point -> zone vertex (cv2.fillPoly frame: pixel centres on integers)."""
    return (round(pt[0] - 0.5, 2), round(pt[1] - 0.5, 2))
