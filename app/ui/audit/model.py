"""AuditModel: a read-only table over AuditRow (newest first), with a text filter on detail."""

from __future__ import annotations

import json

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

_ROOT = QModelIndex()  # the default parent: the list itself
COLUMNS = ("When", "Author", "Action", "Entity", "Detail")


def detail_text(detail: dict) -> str:
    """'key=value, ...' on one line; nested values as compact JSON."""
    def show(v):
        return v if isinstance(v, str) else json.dumps(v, default=str, separators=(",", ":"))

    return ", ".join(f"{k}={show(v)}" for k, v in detail.items())


def when_text(at: str) -> str:
    """'2025-01-31T12:34:56.789+00:00' -> '2025-01-31 12:34:56'."""
    return at.replace("T", " ")[:19]


class AuditModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._all: list = []
        self.rows: list = []
        self._text = ""

    @property
    def loaded(self) -> int:
        return len(self._all)

    def set_rows(self, rows) -> None:
        self._all = list(rows)
        self._apply()

    def set_text_filter(self, text: str) -> None:
        self._text = text.strip().lower()
        self._apply()

    def _apply(self) -> None:
        self.beginResetModel()
        t = self._text
        self.rows = [r for r in self._all
                     if not t or t in detail_text(r.detail).lower()
                     or (r.entity_id is not None and t == str(r.entity_id))]
        self.endResetModel()

    def rowCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            entity = r.entity if r.entity_id is None else f"{r.entity} #{r.entity_id}"
            values = (when_text(r.at), r.author, r.action, entity, detail_text(r.detail))
            return values[index.column()]
        return None
