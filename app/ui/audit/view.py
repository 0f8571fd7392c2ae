"""AuditView: browse and filter the project's audit log (newest first).

Action, entity and author filters are queries on the store (project.audit.list); the text
filter narrows the loaded rows by their sentence or detail. Each row reads as a sentence
("ana overrode part-07 REWORK -> OK: porosity within limit"); the raw detail shows below. At most
LIMIT rows are loaded at a time.
"""

from __future__ import annotations

import json

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from app.store.audit_text import AuditNames

from .model import SENTENCE_COLUMN, AuditModel

LIMIT = 5000
ANY = "Any"


class AuditView(QDialog):
    def __init__(self, project, parent=None, **preset):
        """`preset`: initial filters, e.g. action="review.override", entity=..., author=..."""
        super().__init__(parent)
        self.setWindowTitle("Audit trail")
        self.resize(900, 520)
        self.project = project
        self.model = AuditModel(self)
        self.action, self.entity, self.author = QComboBox(), QComboBox(), QComboBox()
        self.text = QLineEdit(placeholderText="Filter the entries (text or id)…")
        self.text.setClearButtonEnabled(True)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.reload)
        self.check_button = QPushButton("Check Trail")
        self.check_button.setToolTip("Check every entry against the trail's hash chain (as "
                                     "`defect-studio audit verify` does)")
        self.check_button.clicked.connect(self.check_trail)
        bar = QHBoxLayout()
        for label, combo in (("Action", self.action), ("Entity", self.entity),
                             ("Author", self.author)):
            bar.addWidget(QLabel(label))
            bar.addWidget(combo)
        bar.addWidget(self.text, 1)
        bar.addWidget(refresh)
        bar.addWidget(self.check_button)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(SENTENCE_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.detail = QPlainTextEdit(readOnly=True)
        self.detail.setPlaceholderText("Select an entry to read all of its detail")
        self.detail.setMaximumHeight(110)
        self.table.selectionModel().currentRowChanged.connect(self._show_detail)
        self.model.modelReset.connect(self.detail.clear)
        self.count = QLabel()
        self.chain = QLabel(getattr(project, "warning", ""))
        self.chain.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addWidget(self.count)
        layout.addWidget(self.chain)
        self._fill_choices(preset)
        for combo in (self.action, self.entity, self.author):
            combo.currentIndexChanged.connect(self.reload)
        self.text.textChanged.connect(self._text_changed)
        self.reload()

    def _fill_choices(self, preset: dict) -> None:
        rows = self.project.audit.list(limit=LIMIT)
        for key, combo in (("action", self.action), ("entity", self.entity),
                           ("author", self.author)):
            values = sorted({getattr(r, key) for r in rows} | ({preset[key]} if preset.get(key)
                                                              else set()))
            combo.addItems([ANY, *values])
            if preset.get(key):
                combo.setCurrentIndex(combo.findText(preset[key]))

    @staticmethod
    def _value(combo: QComboBox) -> str | None:
        return None if combo.currentIndex() <= 0 else combo.currentText()

    def set_filter(self, action=None, entity=None, author=None, text=None) -> None:
        """Set any of the filters (tests and callers); None leaves one as it is."""
        for combo, value in ((self.action, action), (self.entity, entity),
                             (self.author, author)):
            if value is not None:
                i = combo.findText(value)
                if i < 0:
                    combo.addItem(value)
                    i = combo.count() - 1
                combo.setCurrentIndex(i)
        if text is not None:
            self.text.setText(text)

    def reload(self) -> None:
        rows = self.project.audit.list(action=self._value(self.action),
                                       entity=self._value(self.entity),
                                       author=self._value(self.author), limit=LIMIT)
        self.model.set_rows(rows, AuditNames.of(self.project))
        self._update_count(len(rows))

    def check_trail(self) -> None:
        """Checks the whole chain (about a second per 100k entries) and says what it found."""
        from app.store.project import check_audit_chain

        self.chain.setText(check_audit_chain(self.project.db).sentence())

    def _show_detail(self, index) -> None:
        if not index.isValid():
            self.detail.clear()
            return
        r = self.model.rows[index.row()]
        self.detail.setPlainText(json.dumps(r.detail, indent=2, ensure_ascii=False, default=str))

    def _text_changed(self, text: str) -> None:
        self.model.set_text_filter(text)
        self._update_count(self.model.loaded)

    def _update_count(self, loaded: int) -> None:
        shown = self.model.rowCount()
        more = f" (the newest {LIMIT} loaded)" if loaded >= LIMIT else ""
        self.count.setText(f"{shown} of {loaded} entries{more}")
