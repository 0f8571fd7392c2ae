"""Numbers with their units: mm² / mm when the recipe is calibrated, px otherwise (Qt-free).

The min-area slider is logarithmic in pixels (AreaScale): a floor of 2 px and one of 2,000 px
are both a few notches from their neighbours.
"""

from __future__ import annotations

import math

from app.core.grading import Calibration


def number(v: float | None) -> str:
    """A short, readable number: 3 significant digits, integers as integers."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    if float(v).is_integer() and abs(v) < 1e6:
        return str(int(v))
    if abs(v) >= 100:
        return f"{v:.0f}"
    return f"{v:.3g}"


def area(mm2: float | None, cal: Calibration) -> str:
    """An area in the recipe's unit; `mm2` is what grading calls mm² (px when uncalibrated)."""
    return f"{number(mm2)} {cal.area_unit}"


def length(mm: float | None, cal: Calibration) -> str:
    return f"{number(mm)} {cal.length_unit}"


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{100 * rate:.1f} %"


class AreaScale:
    """Slider position <-> pixel area: 0 is no floor, 1..steps map to 1 px .. max_px (log)."""

    def __init__(self, steps: int = 100, max_px: float = 20_000.0):
        self.steps = steps
        self._k = math.log10(max_px) / (steps - 1)

    def to_px(self, pos: int) -> float:
        return 0.0 if pos <= 0 else 10 ** ((pos - 1) * self._k)

    def to_pos(self, px: float) -> int:
        if px <= 0:
            return 0
        return max(1, min(self.steps, round(math.log10(max(px, 1.0)) / self._k) + 1))

    def to_mm2(self, pos: int, cal: Calibration) -> float:
        """The recipe value for a slider position (rounded to 3 significant digits)."""
        v = cal.area_mm2(self.to_px(pos))
        return float(f"{v:.3g}") if v > 0 else 0.0

    def from_mm2(self, mm2: float, cal: Calibration) -> int:
        return self.to_pos(cal.area_px(mm2))
