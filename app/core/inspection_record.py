"""What an inspection run stores per part, typed: the record, its reasons and its components.

    record = InspectionRecord.from_dict(json.loads(text))   # any stored shape, old rows too
    record.components[0].class_label(names), record.components[0].outline
    record.to_dict()                                         # the current stored shape

The store keeps a record as columns (sha256, grade, risk, flagged, error, format version) and
two JSON lists (reasons, components); `to_dict` gives them in the stored key order, so a row
written today reads back equal. Readers use these classes, never the dicts: one place knows
the spellings older builds wrote.

Stored format versions (`version`):
- 0: rows written before the version was stored. A component's class name may be under
  "class" or "class_name" (or "class" holds the value), its outline under "contour" or
  "polygon", its zones a {zone: mm²} dict or a list of names; a reason may be plain text.
- 1: what `to_dict` writes: "class_value", "class", "contour", zones as {zone: mm²}.

Reasons (kind): "area" | "length" | "count" are grade reasons (app.core.grading.Reason);
"borderline" a finding of app.core.risk (Borderline); "note" says what was left out.
Units are mm (px when the recipe is uncalibrated), as in app.core.grading.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .risk import ERROR_RISK

RECORD_VERSION = 1
LEGACY_VERSION = 0  # a row stored before records carried a version

BORDERLINE = "borderline"
NOTE = "note"
_REASON_KEYS = {  # stored key order per kind; grade reasons are the default
    BORDERLINE: ("kind", "grade", "check", "component", "class_value", "zone", "value",
                 "limit", "closeness", "text"),
    NOTE: ("kind", "grade", "value", "text"),
}
_GRADE_REASON_KEYS = ("grade", "kind", "class_value", "zone", "value", "limit", "text")


@dataclass(frozen=True)
class StoredReason:
    """Why a stored part got its grade, or why it is borderline, in words and numbers."""

    kind: str  # "area" | "length" | "count" | "borderline" | "note" ("" for plain text)
    text: str
    grade: str | None = None
    class_value: int | None = None
    zone: str | None = None
    value: float | None = None
    limit: float | None = None
    check: str | None = None  # borderline: which check (app.core.risk.CHECKS)
    component: int | None = None  # borderline: index into the record's components
    closeness: float | None = None  # borderline: 0..1, 1 = at the limit

    @property
    def is_borderline(self) -> bool:
        return self.kind == BORDERLINE

    @property
    def is_note(self) -> bool:
        return self.kind == NOTE

    @property
    def is_grade_reason(self) -> bool:
        return not (self.is_borderline or self.is_note)

    @property
    def display_text(self) -> str:
        """The line a person reads: borderline findings say so."""
        return f"borderline: {self.text}" if self.is_borderline else self.text

    def to_dict(self) -> dict:
        keys = _REASON_KEYS.get(self.kind, _GRADE_REASON_KEYS)
        return {k: getattr(self, k) for k in keys}

    @classmethod
    def from_dict(cls, d: Mapping | str) -> StoredReason:
        if not isinstance(d, Mapping):  # version 0 may hold plain text
            return cls(kind="", text=str(d))
        return cls(kind=str(d.get("kind") or ""), text=str(d.get("text") or ""),
                   grade=d.get("grade"), class_value=_opt_int(d.get("class_value")),
                   zone=d.get("zone"), value=_opt_float(d.get("value")),
                   limit=_opt_float(d.get("limit")), check=d.get("check"),
                   component=_opt_int(d.get("component")),
                   closeness=_opt_float(d.get("closeness")))


@dataclass(frozen=True)
class StoredComponent:
    """One defect component of a stored part: where, how big, which class and grade, why."""

    class_value: int | None
    class_name: str  # "" when the row did not name it
    grade: str | None
    bbox: tuple[int, int, int, int] = (0, 0, 0, 0)  # x, y, w, h
    centroid: tuple[float, float] | None = None
    area_px: int | None = None
    area_mm2: float | None = None
    length_mm: float | None = None
    width_mm: float | None = None
    mean_prob: float | None = None
    max_prob: float | None = None
    zones: dict[str, float | None] = field(default_factory=dict)  # zone -> area (mm²)
    reasons: tuple[str, ...] = ()  # the texts of this component's grade reasons
    borderline: tuple[str, ...] = ()  # the borderline checks it failed
    outline: tuple[tuple[int, int], ...] = ()  # outer border, pixel indices; () none kept

    def class_label(self, names: Mapping[int, str] | None = None) -> str:
        """The defect class name: the stored one, else the project's (`names`), else
        "class N"."""
        if self.class_name:
            return self.class_name
        if self.class_value is None:
            return "unknown"
        return (names or {}).get(self.class_value, f"class {self.class_value}")

    def to_dict(self) -> dict:
        return {
            "class_value": self.class_value,
            "grade": self.grade,
            "bbox": list(self.bbox),
            "centroid": list(self.centroid) if self.centroid is not None else None,
            "area_px": self.area_px,
            "area_mm2": self.area_mm2,
            "length_mm": self.length_mm,
            "width_mm": self.width_mm,
            "mean_prob": self.mean_prob,
            "max_prob": self.max_prob,
            "zones": dict(self.zones),
            "reasons": list(self.reasons),
            "class": self.class_name,
            "borderline": list(self.borderline),
            "contour": [list(p) for p in self.outline],
        }

    @classmethod
    def from_dict(cls, d: Mapping) -> StoredComponent:
        name, value = "", d.get("class_value")
        for key in ("class", "class_name"):  # version 0: either, or "class" holds the value
            v = d.get(key)
            if isinstance(v, str) and v and not name:
                name = v
            elif isinstance(v, int) and not isinstance(v, bool) and value is None:
                value = v
        centroid = d.get("centroid")
        points = d.get("contour") or d.get("polygon") or ()
        return cls(
            class_value=_opt_int(value), class_name=name, grade=d.get("grade"),
            bbox=_bbox(d.get("bbox")),
            centroid=(float(centroid[0]), float(centroid[1])) if centroid else None,
            area_px=_opt_int(d.get("area_px")), area_mm2=_opt_float(d.get("area_mm2")),
            length_mm=_opt_float(d.get("length_mm")), width_mm=_opt_float(d.get("width_mm")),
            mean_prob=_opt_float(d.get("mean_prob")), max_prob=_opt_float(d.get("max_prob")),
            zones=_zones(d.get("zones")),
            reasons=tuple(str(r) for r in d.get("reasons") or ()),
            borderline=tuple(str(b) for b in d.get("borderline") or ()),
            outline=tuple((int(p[0]), int(p[1])) for p in points))


@dataclass(frozen=True)
class InspectionRecord:
    """One inspected part as stored: grade (None with `error`), reasons (grade reasons most
    severe first, then borderline findings, then a note when components were left out),
    components (most severe, then largest first), risk (0..1) and whether it is flagged."""

    grade: str | None
    reasons: tuple[StoredReason, ...] = ()
    components: tuple[StoredComponent, ...] = ()
    risk: float = 0.0
    flagged: bool = False
    error: str | None = None
    sha256: str = ""
    version: int = RECORD_VERSION

    @property
    def grade_reasons(self) -> list[StoredReason]:
        return [r for r in self.reasons if r.is_grade_reason]

    @property
    def borderline(self) -> list[StoredReason]:
        return [r for r in self.reasons if r.is_borderline]

    def to_dict(self) -> dict:
        return {"version": self.version, "sha256": self.sha256, "grade": self.grade,
                "reasons": [r.to_dict() for r in self.reasons],
                "components": [c.to_dict() for c in self.components],
                "risk": self.risk, "flagged": self.flagged, "error": self.error}

    @classmethod
    def from_dict(cls, d: Mapping) -> InspectionRecord:
        """Any stored shape; a dict without "version" is a version-0 row."""
        return cls(grade=d.get("grade"),
                   reasons=tuple(StoredReason.from_dict(r) for r in d.get("reasons") or ()),
                   components=tuple(StoredComponent.from_dict(c)
                                    for c in d.get("components") or ()),
                   risk=float(d.get("risk") or 0.0), flagged=bool(d.get("flagged")),
                   error=d.get("error"), sha256=str(d.get("sha256") or ""),
                   version=int(d.get("version") or LEGACY_VERSION))

    @classmethod
    def failed(cls, reason: str, sha256: str = "") -> InspectionRecord:
        """A part that could not be inspected: no grade, flagged, the highest risk, `reason`
        as its error."""
        return cls(grade=None, risk=ERROR_RISK, flagged=True, error=reason, sha256=sha256)


def _opt_int(v) -> int | None:
    return None if v is None else int(v)


def _opt_float(v) -> float | None:
    """A stored number as it was written (a count stays an int, so it reads back the same)."""
    if v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)):
        return v
    return float(v)


def _zones(zones) -> dict[str, float | None]:
    if isinstance(zones, Mapping):
        return {str(z): _opt_float(a) for z, a in zones.items()}
    if isinstance(zones, str):  # version 0: one zone name
        return {zones: None}
    return {str(z): None for z in zones or ()}


def _bbox(value) -> tuple[int, int, int, int]:
    x, y, w, h = (int(v) for v in (value or (0, 0, 0, 0)))
    return x, y, w, h
