"""Grades, rules and their judgement of measured defects.

Which rule applies where (zones partition the image, see zones.py):
- A component is cut into one piece per zone it touches. The rules of (class, zone) judge the
  piece in that zone: its area, its length, and whether it counts.
- A zone with no rule for the class falls back to the rules of (class, WHOLE_IMAGE); pieces
  that fall back together are merged into one piece. With no such rule either, the piece is
  ignored: not judged, not counted. A rule without limits therefore means "allowed here" and
  stops the fallback.
- A piece smaller than a rule's `min_area_mm2` is noise for that rule: not judged, not counted.
- Several rules may share a (class, zone), e.g. a REWORK tier and a SCRAP tier.
- A component's grade and the part's grade are the most severe grade among their reasons;
  without reasons, the best grade of the scale. A violated count rule grades the part and each
  component it counted.
Limits are exclusive: a value equal to its max passes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .calibration import Calibration
from .zones import WHOLE_IMAGE


@dataclass(frozen=True)
class GradeScale:
    """Grade names from least to most severe."""

    levels: tuple[str, ...] = ("OK", "REWORK", "SCRAP")

    def __post_init__(self) -> None:
        levels = tuple(str(g) for g in self.levels)
        if len(levels) < 2 or len(set(levels)) != len(levels) or not all(levels):
            raise ValueError(f"a grade scale needs 2+ unique non-empty names, got {levels}")
        object.__setattr__(self, "levels", levels)

    @property
    def best(self) -> str:
        return self.levels[0]

    @property
    def worst(self) -> str:
        return self.levels[-1]

    def rank(self, grade: str) -> int:
        try:
            return self.levels.index(grade)
        except ValueError:
            raise KeyError(f"unknown grade {grade!r}; grades: {list(self.levels)}") from None

    def most_severe(self, grades: Iterable[str]) -> str:
        return max(grades, key=self.rank, default=self.best)

    def to_dict(self) -> dict:
        return {"levels": list(self.levels)}

    @classmethod
    def from_dict(cls, d: dict) -> GradeScale:
        return cls(levels=tuple(d["levels"]))


def _opt_float(v) -> float | None:
    return None if v is None else float(v)


@dataclass(frozen=True)
class Rule:
    """Limits for one defect class in one zone; each violation gives `grade`."""

    class_value: int
    zone: str = WHOLE_IMAGE
    grade: str = "SCRAP"
    min_area_mm2: float = 0.0  # smaller pieces are noise for this rule
    max_area_mm2: float | None = None
    max_length_mm: float | None = None
    max_count: int | None = None  # counted pieces allowed in the zone

    def __post_init__(self) -> None:
        object.__setattr__(self, "class_value", int(self.class_value))
        object.__setattr__(self, "min_area_mm2", float(self.min_area_mm2))
        object.__setattr__(self, "max_area_mm2", _opt_float(self.max_area_mm2))
        object.__setattr__(self, "max_length_mm", _opt_float(self.max_length_mm))
        if self.max_count is not None:
            object.__setattr__(self, "max_count", int(self.max_count))
        limits = (self.min_area_mm2, self.max_area_mm2, self.max_length_mm, self.max_count)
        if any(v is not None and v < 0 for v in limits):
            raise ValueError(f"rule limits must be >= 0: {self}")

    def to_dict(self) -> dict:
        return {
            "class_value": self.class_value,
            "zone": self.zone,
            "grade": self.grade,
            "min_area_mm2": self.min_area_mm2,
            "max_area_mm2": self.max_area_mm2,
            "max_length_mm": self.max_length_mm,
            "max_count": self.max_count,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Rule:
        return cls(**d)


@dataclass(frozen=True)
class Reason:
    """Why something got a grade, in words (`text`) and numbers."""

    grade: str
    kind: str  # "area" | "length" | "count"
    class_value: int
    zone: str
    value: float  # mm² / mm (px when uncalibrated) / count
    limit: float
    text: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Piece:
    """The part of one component that one zone's rules judge."""

    component: int  # index into the graded components
    class_value: int
    zone: str  # the zone whose rules apply (after fallback)
    area_mm2: float
    length_mm: float  # nan where no rule of the zone limits length


class RuleBook:
    """Rules indexed by (class value, zone), with the WHOLE_IMAGE fallback."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._by_key: dict[tuple[int, str], list[Rule]] = defaultdict(list)
        for r in rules:
            self._by_key[(r.class_value, r.zone)].append(r)

    def zone_for(self, class_value: int, zone: str) -> str | None:
        """The zone whose rules judge `class_value` in `zone`, or None: ignored."""
        if (class_value, zone) in self._by_key:
            return zone
        if (class_value, WHOLE_IMAGE) in self._by_key:
            return WHOLE_IMAGE
        return None

    def needs_length(self, class_value: int, zone: str) -> bool:
        return any(r.max_length_mm is not None for r in self.rules_for(class_value, zone))

    def rules_for(self, class_value: int, zone: str) -> list[Rule]:
        return self._by_key.get((class_value, zone), [])


def _num(v: float, unit: str) -> str:
    if unit == "px" and float(v).is_integer():
        return str(int(v))  # pixel counts read as counts: "60 px", not "60.00 px"
    return f"{v:.2f}" if v == 0 or abs(v) >= 0.1 else f"{v:.2g}"


def judge(
    pieces: Iterable[Piece],
    book: RuleBook,
    class_name,
    calibration: Calibration,
) -> tuple[dict[int, list[Reason]], list[Reason]]:
    """Reasons per component index, and every reason for the part (count reasons included)."""
    au, lu = calibration.area_unit, calibration.length_unit
    per_component: dict[int, list[Reason]] = defaultdict(list)
    part: list[Reason] = []
    counted: dict[int, list[Piece]] = defaultdict(list)  # id(rule) -> pieces it counts
    rule_of: dict[int, Rule] = {}
    for p in pieces:
        name = class_name(p.class_value)
        for r in book.rules_for(p.class_value, p.zone):
            if p.area_mm2 < r.min_area_mm2:
                continue
            counted[id(r)].append(p)
            rule_of[id(r)] = r
            found = []
            if r.max_area_mm2 is not None and p.area_mm2 > r.max_area_mm2:
                text = (
                    f"{name} {_num(p.area_mm2, au)} {au} in {p.zone} exceeds max area "
                    f"{_num(r.max_area_mm2, au)} {au} -> {r.grade}"
                )
                found.append(
                    Reason(r.grade, "area", p.class_value, p.zone, p.area_mm2, r.max_area_mm2, text)
                )
            if r.max_length_mm is not None and p.length_mm > r.max_length_mm:
                text = (
                    f"{name} {_num(p.length_mm, lu)} {lu} long in {p.zone} exceeds max length "
                    f"{_num(r.max_length_mm, lu)} {lu} -> {r.grade}"
                )
                found.append(
                    Reason(
                        r.grade, "length", p.class_value, p.zone, p.length_mm, r.max_length_mm, text
                    )
                )
            per_component[p.component].extend(found)
            part.extend(found)
    for key, members in counted.items():
        r = rule_of[key]
        n = len(members)
        if r.max_count is not None and n > r.max_count:
            text = (
                f"{n} {class_name(r.class_value)} defects in {r.zone} exceed max count "
                f"{r.max_count} -> {r.grade}"
            )
            reason = Reason(
                r.grade, "count", r.class_value, r.zone, float(n), float(r.max_count), text
            )
            part.append(reason)
            for p in members:
                per_component[p.component].append(reason)
    return per_component, part
