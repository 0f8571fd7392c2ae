"""Grade colours: the best grade green, the worst red, anything between amber."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor

from app.core.grading import GradeScale

GREEN, AMBER, RED, GRAY = "#34c759", "#ffb300", "#ff3b30", "#a0a0a0"


def grade_hex(grade: str | None, scale: GradeScale) -> str:
    try:
        rank = scale.rank(grade)
    except KeyError:
        return GRAY
    if rank == 0:
        return GREEN
    return RED if rank == len(scale.levels) - 1 else AMBER


def grade_color(grade: str | None, scale: GradeScale) -> QColor:
    return QColor(grade_hex(grade, scale))


def grade_table(scale: GradeScale) -> np.ndarray:
    """(256,) uint32 ARGB for app.core.grading.grade_image values: 0 clear, 1 + rank coloured."""
    table = np.zeros(256, np.uint32)
    for rank, g in enumerate(scale.levels):
        c = grade_color(g, scale)
        table[1 + rank] = (255 << 24) | (c.red() << 16) | (c.green() << 8) | c.blue()
    return table
