"""Recipe: everything that decides a grade, immutable, JSON-safe, with a content hash."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from .calibration import Calibration
from .rules import GradeScale, Rule, RuleBook
from .zones import ZoneSet

SCHEMA = 1
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class ClassSetting:
    """Per defect class: probability threshold (0..1) and noise floor (mm²)."""

    value: int
    name: str = ""
    threshold: float = DEFAULT_THRESHOLD
    min_area_mm2: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", int(self.value))
        object.__setattr__(self, "threshold", float(self.threshold))
        object.__setattr__(self, "min_area_mm2", float(self.min_area_mm2))
        if not 1 <= self.value <= 255:
            raise ValueError(f"class value must be 1..255, got {self.value}")
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be within 0..1, got {self.threshold}")
        if not (math.isfinite(self.min_area_mm2) and self.min_area_mm2 >= 0):
            raise ValueError(f"min area must be >= 0, got {self.min_area_mm2}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ClassSetting:
        return cls(**d)


@dataclass(frozen=True)
class Recipe:
    """Classes not listed use DEFAULT_THRESHOLD and no noise floor; `name` is not content."""

    name: str = ""
    classes: tuple[ClassSetting, ...] = ()
    zones: ZoneSet = field(default_factory=ZoneSet)
    rules: tuple[Rule, ...] = ()
    scale: GradeScale = field(default_factory=GradeScale)
    calibration: Calibration = field(default_factory=Calibration)

    def __post_init__(self) -> None:
        classes = tuple(sorted(self.classes, key=lambda c: c.value))
        values = [c.value for c in classes]
        if len(set(values)) != len(values):
            raise ValueError(f"class values must be unique, got {values}")
        object.__setattr__(self, "classes", classes)
        object.__setattr__(self, "rules", tuple(self.rules))
        for r in self.rules:
            self.scale.rank(r.grade)  # raises with the valid names
            if r.zone not in self.zones.names:
                raise ValueError(f"rule {r} names unknown zone; zones: {list(self.zones.names)}")

    # -- lookups ---------------------------------------------------------------------------
    def class_setting(self, value: int) -> ClassSetting:
        for c in self.classes:
            if c.value == value:
                return c
        return ClassSetting(value)

    def threshold(self, value: int) -> float:
        return self.class_setting(value).threshold

    def min_area_mm2(self, value: int) -> float:
        return self.class_setting(value).min_area_mm2

    def class_name(self, value: int) -> str:
        return self.class_setting(value).name or f"class {value}"

    @cached_property
    def rulebook(self) -> RuleBook:
        return RuleBook(self.rules)

    # -- new recipes -------------------------------------------------------------------------
    def _with_class(self, value: int, **changes) -> Recipe:
        new = dataclasses.replace(self.class_setting(value), **changes)
        others = tuple(c for c in self.classes if c.value != value)
        return dataclasses.replace(self, classes=(*others, new))

    def with_threshold(self, value: int, t: float) -> Recipe:
        return self._with_class(value, threshold=t)

    def with_min_area(self, value: int, min_area_mm2: float) -> Recipe:
        return self._with_class(value, min_area_mm2=min_area_mm2)

    def with_rules(self, rules) -> Recipe:
        return dataclasses.replace(self, rules=tuple(rules))

    def with_zones(self, zones: ZoneSet) -> Recipe:
        return dataclasses.replace(self, zones=zones)

    def with_mm_per_pixel(self, mm_per_pixel: float) -> Recipe:
        return dataclasses.replace(self, calibration=Calibration(mm_per_pixel))

    # -- persistence ---------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "schema": SCHEMA,
            "name": self.name,
            "classes": [c.to_dict() for c in self.classes],
            "zones": self.zones.to_dict(),
            "rules": [r.to_dict() for r in self.rules],
            "scale": self.scale.to_dict(),
            "calibration": self.calibration.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: dict) -> Recipe:
        if d.get("schema", SCHEMA) != SCHEMA:
            raise ValueError(f"unsupported recipe schema {d.get('schema')!r}")
        return cls(
            name=d.get("name", ""),
            classes=tuple(ClassSetting.from_dict(c) for c in d.get("classes", ())),
            zones=ZoneSet.from_dict(d.get("zones", {})),
            rules=tuple(Rule.from_dict(r) for r in d.get("rules", ())),
            scale=GradeScale.from_dict(d["scale"]) if "scale" in d else GradeScale(),
            calibration=Calibration.from_dict(d.get("calibration", {})),
        )

    @cached_property
    def content_hash(self) -> str:
        """sha256 of the canonical JSON of everything but the name: equal content, equal hash."""
        d = self.to_dict()
        del d["name"]
        text = json.dumps(
            d, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def starter_recipe(name: str, classes: Sequence[tuple[int, str]],
                   mm_per_pixel: float = 1.0) -> Recipe:
    """A new project's first recipe: every class at the default threshold, and one rule each,
    "any <class> on the part -> REWORK", so a fresh inspection flags what the model finds
    (a recipe without rules passes everything). The engineer tightens or relaxes from there."""
    settings = tuple(ClassSetting(value, class_name) for value, class_name in classes)
    rules = tuple(Rule(value, grade="REWORK", max_count=0) for value, _ in classes)
    return Recipe(name=name, classes=settings, rules=rules).with_mm_per_pixel(mm_per_pixel)
