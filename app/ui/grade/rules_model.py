"""RulesModel: the recipe's rules as a table (class x zone: limits and grade).

Reads the session's working recipe; every accepted edit goes into the draft (Save writes it).
Empty limit cells mean "no limit"; units follow the recipe's calibration.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QAbstractTableModel, Qt, Signal

from app.core.grading import WHOLE_IMAGE, Rule

from . import units

CLASS, ZONE, MIN_AREA, MAX_AREA, MAX_LENGTH, MAX_COUNT, GRADE = range(7)
FIELDS = {MIN_AREA: "min_area_mm2", MAX_AREA: "max_area_mm2", MAX_LENGTH: "max_length_mm",
          MAX_COUNT: "max_count"}
ChoiceRole = Qt.ItemDataRole.UserRole + 1  # [(label, value)] for a combo box editor


class RulesModel(QAbstractTableModel):
    refused = Signal(str)  # an edit that was not taken, and why

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.rules: tuple[Rule, ...] = ()
        session.recipe_changed.connect(self.reload)
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self.rules = self.session.recipe.rules
        self.endResetModel()

    # -- shape ---------------------------------------------------------------------------------
    def rowCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.rules)

    def columnCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else 7

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        cal = self.session.recipe.calibration
        return ("Class", "Zone", f"Min area\n({cal.area_unit})", f"Max area\n({cal.area_unit})",
                f"Max length\n({cal.length_unit})", "Max\ncount", "Grade")[section]

    def flags(self, index):
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return f | Qt.ItemFlag.ItemIsEditable if self.session.editable else f

    # -- cells ---------------------------------------------------------------------------------
    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r, col = self.rules[index.row()], index.column()
        if role == ChoiceRole:
            return self.choices(col)
        if role == Qt.ItemDataRole.EditRole:
            return self._edit_value(r, col)
        if role == Qt.ItemDataRole.DisplayRole:
            if col == CLASS:
                return self.session.recipe.class_name(r.class_value)
            if col == ZONE:
                return r.zone
            if col == GRADE:
                return r.grade
            v = getattr(r, FIELDS[col])
            return "" if v is None else units.number(v)
        if role == Qt.ItemDataRole.ToolTipRole and col in (MAX_AREA, MAX_LENGTH, MAX_COUNT):
            return "Empty: no limit. Limits are exclusive: a value equal to the max passes."
        return None

    def _edit_value(self, r: Rule, col: int):
        if col == CLASS:
            return r.class_value
        if col == ZONE:
            return r.zone
        if col == GRADE:
            return r.grade
        v = getattr(r, FIELDS[col])
        return "" if v is None else units.number(v)

    def choices(self, col: int):
        recipe = self.session.recipe
        if col == CLASS:
            values = sorted(set(self.session.class_names) | {c.value for c in recipe.classes})
            return [(recipe.class_name(v), v) for v in values]
        if col == ZONE:
            return [(z, z) for z in recipe.zones.names]
        if col == GRADE:
            return [(g, g) for g in recipe.scale.levels]
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        r, col = self.rules[index.row()], index.column()
        try:
            new = dataclasses.replace(r, **{self._field(col): self._parse(col, value)})
        except (TypeError, ValueError) as e:
            return self._refuse(f"Not a valid value: {e}")
        if new == r:
            return False
        rules = list(self.rules)
        rules[index.row()] = new
        return self._commit(rules)

    @staticmethod
    def _field(col: int) -> str:
        return {CLASS: "class_value", ZONE: "zone", GRADE: "grade"}.get(col) or FIELDS[col]

    @staticmethod
    def _parse(col: int, value):
        if col in (CLASS,):
            return int(value)
        if col in (ZONE, GRADE):
            return str(value)
        text = str(value).strip().replace(",", ".")
        if col == MIN_AREA:
            return float(text) if text else 0.0
        if not text:
            return None
        v = int(text) if col == MAX_COUNT else float(text)
        if v < 0:
            raise ValueError("limits are not negative")
        return v

    # -- rows ----------------------------------------------------------------------------------
    def add_rule(self, class_value: int | None = None) -> bool:
        choices = self.choices(CLASS)
        if class_value is None:
            if not choices:
                return self._refuse("Add a defect class first")
            class_value = choices[0][1]
        grade = self.session.recipe.scale.levels[1]
        return self._commit([*self.rules, Rule(class_value, WHOLE_IMAGE, grade)])

    def remove_rows(self, rows: list[int]) -> bool:
        drop = set(rows)
        return self._commit([r for i, r in enumerate(self.rules) if i not in drop])

    def _commit(self, rules) -> bool:
        try:
            recipe = self.session.recipe.with_rules(rules)
        except (ValueError, KeyError) as e:
            return self._refuse(str(e))
        self.session.edit(recipe)
        return True

    def _refuse(self, why: str) -> bool:
        self.refused.emit(why)
        return False
