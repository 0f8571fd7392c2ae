"""AuditModel: a read-only table over AuditRow (newest first), each row read as a sentence
(app.store.audit_text), with a text filter on the sentence and the detail."""

from __future__ import annotations

import json

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from app.store.audit_text import AuditNames, sentence

_ROOT = QModelIndex()  # the default parent: the list itself
COLUMNS = ("When", "What happened", "Action")
SENTENCE_COLUMN = 1


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
        self.sentences: list[str] = []  # beside rows, one each
        self._names = AuditNames()
        self._text = ""

    @property
    def loaded(self) -> int:
        return len(self._all)

    def set_rows(self, rows, names: AuditNames | None = None) -> None:
        """`names`: part and class names the sentences use (AuditNames.of(project))."""
        self._all = list(rows)
        self._names = names or AuditNames()
        self._apply()

    def set_text_filter(self, text: str) -> None:
        self._text = text.strip().lower()
        self._apply()

    def _apply(self) -> None:
        self.beginResetModel()
        t = self._text
        said = ((r, sentence(r, self._names)) for r in self._all)
        kept = [(r, s) for r, s in said
                if not t or t in s.lower() or t in detail_text(r.detail).lower()
                or (r.entity_id is not None and t == str(r.entity_id))]
        self.rows = [r for r, _s in kept]
        self.sentences = [s for _r, s in kept]
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
        if role == Qt.ItemDataRole.DisplayRole:
            return (when_text(r.at), self.sentences[index.row()], r.action)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:  # the raw record, for the curious
            entity = r.entity if r.entity_id is None else f"{r.entity} #{r.entity_id}"
            return f"{self.sentences[index.row()]}\n{entity}: {detail_text(r.detail)}"
        return None
