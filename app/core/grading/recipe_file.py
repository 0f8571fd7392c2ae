"""Recipe files: a recipe as portable JSON, its defect classes named rather than numbered.

    text = dumps(recipe, class_names={1: "crack"}, note="tighter on the sealing face")
    recipe, note = loads(text, project_classes={"crack": 1})   # RecipeFileError when bad

The format is docs/RECIPE_FORMAT.md. The text is canonical (sorted keys, two-space indent,
floats as Python's shortest round-trip repr, one trailing newline), so export -> import ->
export gives the same bytes. Class values differ between projects, names travel: a file's
class names are mapped to the importing project's classes (exact name, else the one name that
matches ignoring case); a name with no match refuses the whole file, listing the project's
classes. A file is checked completely before anything is built from it.
"""

from __future__ import annotations

import json
import math

from .calibration import Calibration
from .recipe import ClassSetting, Recipe
from .rules import GradeScale, Rule
from .zones import ZoneSet

FORMAT = "defect-studio-recipe"
FORMAT_VERSION = 1
MAX_DEPTH = 12  # the format nests 9 levels (root > zones > zone > polygon > hole > point)
MAX_BYTES = 16 * 1024 * 1024
FIELDS = ("format", "format_version", "name", "note", "calibration", "classes", "grades",
          "zones", "rules")
RULE_LIMITS = ("min_area_mm2", "max_area_mm2", "max_length_mm", "max_count")


class RecipeFileError(ValueError):
    """The file is not a recipe this program can import; the message says why, plainly."""


# -- writing --------------------------------------------------------------------------------------

def to_file_dict(recipe: Recipe, class_names: dict[int, str], note: str = "") -> dict:
    """The file's document. `class_names` (value -> name) is the project's: it wins over a
    name stored in the recipe (a class may have been renamed since)."""

    def name_of(value: int) -> str:
        name = class_names.get(value) or recipe.class_setting(value).name
        if not name:
            raise RecipeFileError(f"class value {value} has no name: name the class first")
        return name

    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": recipe.name,
        "note": note,
        "calibration": {"mm_per_pixel": recipe.calibration.mm_per_pixel},
        "classes": sorted(({"name": name_of(c.value), "threshold": c.threshold,
                            "min_area_mm2": c.min_area_mm2} for c in recipe.classes),
                          key=lambda c: c["name"]),
        "grades": list(recipe.scale.levels),
        "zones": recipe.zones.to_dict(),
        "rules": [{"class": name_of(r.class_value), "zone": r.zone, "grade": r.grade,
                   **{k: getattr(r, k) for k in RULE_LIMITS}} for r in recipe.rules],
    }


def dumps(recipe: Recipe, class_names: dict[int, str], note: str = "") -> str:
    return canonical(to_file_dict(recipe, class_names, note))


def canonical(doc: dict) -> str:
    """Sorted keys, two-space indent, lists of plain values ([x, y] points) on one line."""
    return _encode(doc, 0) + "\n"


def _encode(v, level: int) -> str:
    if isinstance(v, dict | list) and v:
        pad, inner = "  " * level, "  " * (level + 1)
        if isinstance(v, dict):
            items = [f"{inner}{_scalar(k)}: {_encode(v[k], level + 1)}" for k in sorted(v)]
            return "{\n" + ",\n".join(items) + f"\n{pad}}}"
        if not any(isinstance(x, dict | list) for x in v):
            return "[" + ", ".join(_scalar(x) for x in v) + "]"
        return "[\n" + ",\n".join(inner + _encode(x, level + 1) for x in v) + f"\n{pad}]"
    return _scalar(v)


def _scalar(v) -> str:
    return json.dumps(v, ensure_ascii=False, allow_nan=False)


# -- reading --------------------------------------------------------------------------------------

def loads(text: str | bytes, project_classes: dict[str, int]) -> tuple[Recipe, str]:
    """(recipe, note) from a file's text; RecipeFileError naming the first problem."""
    doc = parse_json(text)
    _check_header(doc)
    unknown = sorted(set(doc) - set(FIELDS))
    if unknown:
        raise RecipeFileError(f"unknown field(s) {', '.join(unknown)}; a recipe file has "
                              f"{', '.join(FIELDS)}")
    name = _text(doc, "name", "the file", required=False)
    note = _text(doc, "note", "the file", required=False)
    classes = _list(doc, "classes")
    rules = _list(doc, "rules")
    value_of = map_classes(
        [_text(_obj(c, f"classes[{i}]"), "name", f"classes[{i}]") for i, c in enumerate(classes)]
        + [_text(_obj(r, f"rules[{i}]"), "class", f"rules[{i}]") for i, r in enumerate(rules)],
        project_classes)
    names = {v: n for n, v in project_classes.items()}
    if len({value_of[_text(c, "name", "")] for c in classes}) != len(classes):
        raise RecipeFileError("classes: each defect class may be listed once")
    try:
        settings = tuple(_class_setting(c, value_of, names) for c in classes)
        recipe = Recipe(
            name=name,
            classes=settings,
            zones=_zones(doc.get("zones", {})),
            rules=tuple(_rule(r, i, value_of) for i, r in enumerate(rules)),
            scale=_scale(doc),
            calibration=_calibration(doc),
        )
    except RecipeFileError:
        raise
    except (ValueError, KeyError, TypeError) as e:
        raise RecipeFileError(f"invalid recipe: {str(e).strip(chr(39) + chr(34))}") from None
    return recipe, note


def parse_json(text: str | bytes):
    """JSON with the limits of a recipe file: size, depth, no NaN or Infinity."""
    if len(text) > MAX_BYTES:
        raise RecipeFileError(f"the file is {len(text) / 1e6:.1f} MB; a recipe file is at most "
                              f"{MAX_BYTES // (1024 * 1024)} MB")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise RecipeFileError("not a recipe file: not UTF-8 text") from None

    def refuse_constant(name):
        raise RecipeFileError(f"not a recipe file: {name} is not a number in a recipe")

    try:
        doc = json.loads(text, parse_constant=refuse_constant)
    except RecursionError:
        raise RecipeFileError(f"not a recipe file: nested too deeply (a recipe file nests at "
                              f"most {MAX_DEPTH} levels)") from None
    except json.JSONDecodeError as e:
        raise RecipeFileError(f"not a recipe file: not valid JSON (line {e.lineno}, column "
                              f"{e.colno}: {e.msg})") from None
    depth = _depth(doc)
    if depth > MAX_DEPTH:
        raise RecipeFileError(f"not a recipe file: nested {depth} levels deep (a recipe file "
                              f"nests at most {MAX_DEPTH})")
    return doc


def map_classes(names: list[str], project_classes: dict[str, int]) -> dict[str, int]:
    """File class name -> this project's class value; refuses names with no match."""
    folded: dict[str, list[str]] = {}
    for n in project_classes:
        folded.setdefault(n.casefold(), []).append(n)
    out, missing = {}, []
    for n in dict.fromkeys(names):
        if n in project_classes:
            out[n] = project_classes[n]
        elif len(folded.get(n.casefold(), [])) == 1:
            out[n] = project_classes[folded[n.casefold()][0]]
        else:
            missing.append(n)
    if missing:
        have = ", ".join(sorted(project_classes)) or "none"
        raise RecipeFileError(
            f"the file names defect class(es) this project does not have: "
            f"{', '.join(missing)}. This project's classes: {have}. Add or rename classes so "
            f"the names match, then import again.")
    return out


def _depth(doc) -> int:
    deepest, stack = 0, [(doc, 1)]
    while stack:
        node, d = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, d)
            if d > MAX_DEPTH:
                return d
            children = node.values() if isinstance(node, dict) else node
            stack.extend((c, d + 1) for c in children)
    return deepest


def _check_header(doc) -> None:
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise RecipeFileError(f"not a recipe file: it needs \"format\": \"{FORMAT}\"")
    version = doc.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise RecipeFileError(f"not a recipe file: bad format_version {version!r}")
    if version > FORMAT_VERSION:
        raise RecipeFileError(
            f"the file is recipe format version {version}, written by a newer Defect Studio; "
            f"this one reads up to version {FORMAT_VERSION}. Update Defect Studio to import it.")


def _obj(v, where: str) -> dict:
    if not isinstance(v, dict):
        raise RecipeFileError(f"{where} must be an object")
    return v


def _list(doc: dict, key: str, where: str = "the file") -> list:
    v = doc.get(key, [])
    if not isinstance(v, list):
        raise RecipeFileError(f"{key} of {where} must be a list")
    return v


def _text(d: dict, key: str, where: str, required: bool = True) -> str:
    v = d.get(key)
    if v is None and not required:
        return ""
    if not isinstance(v, str) or (required and not v.strip()):
        raise RecipeFileError(f"{where}: {key} must be a non-empty text")
    return v


def _number(d: dict, key: str, where: str, lo: float = 0.0, hi: float = math.inf,
            optional: bool = False, default: float | None = 0.0, integer: bool = False):
    if key not in d or d[key] is None:
        if optional or key not in d:
            return None if optional else default
    v = d[key]
    kinds = (int,) if integer else (int, float)
    if isinstance(v, bool) or not isinstance(v, kinds) or not math.isfinite(v):
        kind = "a whole number" if integer else "a number"
        raise RecipeFileError(f"{where}: {key} must be {kind}, got {json.dumps(v)[:40]}")
    if not lo <= v <= hi:
        bounds = f"within {lo:g}..{hi:g}" if math.isfinite(hi) else f">= {lo:g}"
        raise RecipeFileError(f"{where}: {key} must be {bounds}, got {v}")
    return v if integer else float(v)


def _class_setting(c: dict, value_of: dict[str, int], names: dict[int, str]) -> ClassSetting:
    where = f"class {c['name']!r}"
    value = value_of[c["name"]]
    return ClassSetting(value, name=names[value],  # the project's spelling of the name
                        threshold=_number(c, "threshold", where, hi=1.0, default=0.5),
                        min_area_mm2=_number(c, "min_area_mm2", where))


def _rule(r: dict, i: int, value_of: dict[str, int]) -> Rule:
    where = f"rules[{i}] ({r['class']})"
    zone = _text(r, "zone", where, required=False) or "whole-image"
    grade = _text(r, "grade", where)
    limits = {
        "min_area_mm2": _number(r, "min_area_mm2", where),
        "max_area_mm2": _number(r, "max_area_mm2", where, optional=True),
        "max_length_mm": _number(r, "max_length_mm", where, optional=True),
        "max_count": _number(r, "max_count", where, optional=True, integer=True),
    }
    return Rule(value_of[r["class"]], zone, grade, **limits)


def _scale(doc: dict) -> GradeScale:
    grades = doc.get("grades")
    if grades is None:
        return GradeScale()
    if not isinstance(grades, list) or not all(isinstance(g, str) for g in grades):
        raise RecipeFileError("grades must be a list of grade names, least severe first")
    return GradeScale(tuple(grades))


def _calibration(doc: dict) -> Calibration:
    cal = _obj(doc.get("calibration", {}), "calibration")
    mmpp = _number(cal, "mm_per_pixel", "calibration", default=1.0)
    if mmpp <= 0:
        raise RecipeFileError("calibration: mm_per_pixel must be > 0")
    return Calibration(mmpp)


def _zones(d) -> ZoneSet:
    d = _obj(d, "zones")
    zones = _list(d, "zones", "zones")
    for i, z in enumerate(zones):
        z = _obj(z, f"zones.zones[{i}]")
        _text(z, "name", f"zones.zones[{i}]")
        _number(z, "severity", f"zone {z['name']!r}", lo=-1e9, hi=1e9, default=1, integer=True)
        for j, p in enumerate(_list(z, "polygons", f"zone {z['name']!r}")):
            where = f"zone {z['name']!r} polygon {j + 1}"
            p = _obj(p, where)
            for ring in [p.get("outer"), *_list(p, "holes", where)]:
                if not isinstance(ring, list) or not all(
                        isinstance(pt, list) and len(pt) == 2
                        and all(isinstance(v, int | float) and not isinstance(v, bool)
                                for v in pt) for pt in ring):
                    raise RecipeFileError(f"{where}: a ring must be a list of [x, y] numbers")
    ref = d.get("reference_size")
    if ref is not None and (not isinstance(ref, list) or len(ref) != 2 or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in ref)):
        raise RecipeFileError("zones: reference_size must be [width, height] in pixels, or null")
    return ZoneSet.from_dict(d)
