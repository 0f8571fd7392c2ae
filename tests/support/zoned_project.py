"""A tiny project (tests/support/tiny_project.py) whose recipe "housing" has two zones."""

from __future__ import annotations

from pathlib import Path

from app.core.grading import Recipe
from app.core.grading.zones import Polygon, Zone, ZoneSet
from app.store import Project
from tests.support.tiny_project import make_tiny_project

# On the tiny project's 48 px parts: "seal", the right half below row 8; "edge", the top rows.
SEAL = Zone("seal", (Polygon([(24, 8), (47, 8), (47, 47), (24, 47)]),), severity=2)
EDGE = Zone("edge", (Polygon([(0, 0), (47, 0), (47, 5), (0, 5)]),), severity=1)


def make_zoned_project(folder: Path, **kw) -> Path:
    path = make_tiny_project(folder, **kw)
    with Project.open(path) as p:
        p.recipes.save("housing", Recipe(name="housing",
                                         zones=ZoneSet((SEAL, EDGE), (48, 48))).to_dict())
    return path
