"""Pixel-to-millimetre calibration: lengths scale linearly, areas by the square."""

from __future__ import annotations

import math
from dataclasses import dataclass

UNCALIBRATED = 1.0  # ARCHITECTURE.md: mm_per_pixel 1.0 means "uncalibrated, show px"


@dataclass(frozen=True)
class Calibration:
    """Millimetres per pixel of the graded image (square pixels)."""

    mm_per_pixel: float = UNCALIBRATED

    def __post_init__(self) -> None:
        mmpp = float(self.mm_per_pixel)
        if not math.isfinite(mmpp) or mmpp <= 0:
            raise ValueError(f"mm_per_pixel must be a positive number, got {self.mm_per_pixel!r}")
        object.__setattr__(self, "mm_per_pixel", mmpp)

    @property
    def is_calibrated(self) -> bool:
        return self.mm_per_pixel != UNCALIBRATED

    @property
    def length_unit(self) -> str:
        return "mm" if self.is_calibrated else "px"

    @property
    def area_unit(self) -> str:
        return "mm²" if self.is_calibrated else "px"

    def length_mm(self, length_px: float) -> float:
        return float(length_px) * self.mm_per_pixel

    def area_mm2(self, area_px: float) -> float:
        return float(area_px) * self.mm_per_pixel * self.mm_per_pixel

    def area_px(self, area_mm2: float) -> float:
        return float(area_mm2) / (self.mm_per_pixel * self.mm_per_pixel)

    def to_dict(self) -> dict:
        return {"mm_per_pixel": self.mm_per_pixel}

    @classmethod
    def from_dict(cls, d: dict) -> Calibration:
        return cls(mm_per_pixel=d.get("mm_per_pixel", UNCALIBRATED))


def calibrate_from_line(
    p0: tuple[float, float], p1: tuple[float, float], known_length_mm: float
) -> float:
    """mm per pixel from a line drawn over a feature of known length."""
    length_px = math.dist(p0, p1)
    if length_px <= 0:
        raise ValueError("calibration line has zero length")
    if not known_length_mm > 0:
        raise ValueError(f"known length must be positive, got {known_length_mm!r}")
    return float(known_length_mm) / length_px
