"""Defect classes. A class's `value` is the pixel value in masks: assigned once, never reused.

Deleting a class is explicit about its pixels: they become background, or another class when
`reassign_to` is given. Each affected mask gets a new revision (source "class-delete"), all in one
transaction, so the delete either happens whole or not at all.
"""

from __future__ import annotations

import builtins
import json
import re

from sqlalchemy import func, select

from app.core.imageio import decode_mask_png, encode_mask_png

from .audit_repo import record
from .database import Database
from .masks_repo import lock_images, write_revision
from .rows import DefectClassRow
from .schema import Annotation, DefectClass, MaskRevision, ProjectSetting

PALETTE = ["#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231", "#911eb4", "#46f0f0",
           "#f032e6", "#bcf60c", "#fabebe"]


_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


class ClassError(ValueError):
    pass


def is_color(color: str | None) -> bool:
    return color is not None and _COLOR.fullmatch(color.strip()) is not None


def check_color(color: str) -> str:
    """'#rrggbb' (lower case) or ClassError: masks and reports store the colour as written."""
    color = color.strip()
    if not _COLOR.fullmatch(color):
        raise ClassError(f"a class colour is written #rrggbb (e.g. #ff0000), not {color!r}")
    return color.lower()


def _row(c: DefectClass) -> DefectClassRow:
    return DefectClassRow(c.id, c.value, c.name, c.color, c.sort_order)


class ClassesRepo:
    def __init__(self, db: Database):
        self._db = db

    def list(self) -> list[DefectClassRow]:
        with self._db.session() as s:
            return [_row(c) for c in s.scalars(
                select(DefectClass).order_by(DefectClass.sort_order, DefectClass.value))]

    def by_value(self) -> dict[int, DefectClassRow]:
        return {c.value: c for c in self.list()}

    def by_name(self, name: str) -> DefectClassRow | None:
        return next((c for c in self.list() if c.name == name), None)

    def add(self, name: str, color: str | None = None) -> DefectClassRow:
        name = _check_name(name)
        color = None if color is None else check_color(color)
        with self._db.session() as s:
            _check_free(s, name)
            # Never reuse a value: old revisions may still hold pixels of a deleted class.
            used = max(s.scalar(select(func.max(DefectClass.value))) or 0, _high_water(s))
            if used >= 255:
                raise ClassError("a project holds at most 255 defect classes")
            count = s.scalar(select(func.count(DefectClass.id))) or 0
            last = s.scalar(select(func.max(DefectClass.sort_order)))
            c = DefectClass(value=used + 1, name=name, color=color or PALETTE[count % len(PALETTE)],
                            sort_order=0 if last is None else last + 1)  # new classes go last
            s.add(c)
            s.flush()
            _set_high_water(s, c.value)
            record(s, "class.add", "defect_class", c.id, name=name, value=c.value)
            return _row(c)

    def ensure(self, name: str) -> DefectClassRow:
        return self.by_name(name) or self.add(name)

    def update(self, value: int, *, name: str | None = None, color: str | None = None,
               sort_order: int | None = None) -> DefectClassRow:
        """Rename and/or recolour a class (its value, and so every mask, is unchanged)."""
        name = None if name is None else _check_name(name)
        color = None if color is None else check_color(color)
        with self._db.session() as s:
            c = _get(s, value)
            before = {"name": c.name, "color": c.color}
            if name is not None and name != c.name:
                _check_free(s, name)
                c.name = name
            if color is not None:
                c.color = color
            if sort_order is not None:
                c.sort_order = sort_order
            record(s, "class.update", "defect_class", c.id, name=c.name, color=c.color,
                   before=before)
            return _row(c)

    def reorder(self, values: builtins.list[int]) -> builtins.list[DefectClassRow]:
        """Store this order (keys 1-9 select the first nine); `values` names every class once."""
        with self._db.session() as s:
            classes = {c.value: c for c in s.scalars(select(DefectClass))}
            if sorted(values) != sorted(classes) or len(set(values)) != len(values):
                raise ClassError(f"a new order must name every class once: {sorted(classes)}, "
                                 f"not {list(values)}")
            for i, v in enumerate(values):
                classes[v].sort_order = i
            record(s, "class.reorder", "defect_class", None,
                   order=[classes[v].name for v in values])
        return self.list()

    def move(self, value: int, to_index: int) -> builtins.list[DefectClassRow]:
        """Put one class at position `to_index` (0-based, clamped) of the order."""
        order = [c.value for c in self.list()]
        if value not in order:
            raise ClassError(f"no defect class with value {value}")
        order.remove(value)
        order.insert(min(max(to_index, 0), len(order)), value)
        return self.reorder(order)

    def images_using(self, value: int) -> builtins.list[int]:
        """Ids of the images whose current mask holds pixels of class `value`."""
        with self._db.session() as s:
            rows = s.execute(
                select(Annotation.image_id, MaskRevision.class_values)
                .join(MaskRevision, Annotation.revision_id == MaskRevision.id)
                .order_by(Annotation.image_id))
            return [i for i, cv in rows if value in json.loads(cv)]

    def delete(self, value: int, reassign_to: int | None = None) -> int:
        """Deletes a class; its pixels become `reassign_to` (or background). Returns masks
        changed.
        """
        if reassign_to == value:
            raise ClassError("cannot move a class's pixels into the class itself")
        with self._db.session() as s:
            c = _get(s, value)
            if reassign_to is not None and not s.scalar(
                    select(DefectClass).where(DefectClass.value == reassign_to)):
                raise ClassError(f"cannot move pixels to unknown class value {reassign_to}")
            changed = 0
            # Lock the images first (a labeler may be saving one), then read their current
            # masks: each rewrite is based on the revision it rewrites, never on a stale one.
            images = lock_images(s, self.images_using(value))
            rows = s.execute(
                select(Annotation.image_id, MaskRevision.id, MaskRevision.mask_png,
                       MaskRevision.class_values)
                .join(MaskRevision, Annotation.revision_id == MaskRevision.id)
                .where(Annotation.image_id.in_(list(images)))
            ).all()
            for image_id, rev_id, png, class_values in rows:
                if value not in json.loads(class_values):
                    continue
                mask = decode_mask_png(png)
                mask[mask == value] = reassign_to or 0
                write_revision(s, images[image_id], encode_mask_png(mask), mask,
                               "class-delete", rev_id)
                changed += 1
            record(s, "class.delete", "defect_class", c.id, name=c.name, value=value,
                   reassign_to=reassign_to, masks_changed=changed)
            s.delete(c)
            return changed


def _check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ClassError("a defect class needs a name")
    return name


def _check_free(s, name: str) -> None:
    if s.scalar(select(DefectClass).where(DefectClass.name == name)):
        raise ClassError(f"there is already a defect class named {name!r}")


def _get(s, value: int) -> DefectClass:
    c = s.scalar(select(DefectClass).where(DefectClass.value == value))
    if c is None:
        raise ClassError(f"no defect class with value {value}")
    return c


_HIGH_WATER = "class_value_high_water"


def _high_water(s) -> int:
    row = s.get(ProjectSetting, _HIGH_WATER)
    return 0 if row is None else int(json.loads(row.value))


def _set_high_water(s, value: int) -> None:
    row = s.get(ProjectSetting, _HIGH_WATER)
    if row is None:
        s.add(ProjectSetting(key=_HIGH_WATER, value=json.dumps(value)))
    else:
        row.value = json.dumps(value)


def next_values(db: Database, count: int) -> list[int]:
    """The values the next `count` classes added will get (never a value used before)."""
    with db.session() as s:
        used = max(s.scalar(select(func.max(DefectClass.value))) or 0, _high_water(s))
    if used + count > 255:
        raise ClassError("a project holds at most 255 defect classes")
    return list(range(used + 1, used + count + 1))
