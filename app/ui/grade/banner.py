"""VerdictBanner: the part's grade as a big word in its colour, with the reasons under it."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout

from .colors import GRAY, grade_hex

MAX_REASONS = 3  # the Components tab lists every reason; the part must keep its room


class VerdictBanner(QFrame):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("verdict-banner")
        self.grade = QLabel("–", objectName="verdict-grade")
        font = QFont(self.grade.font())
        font.setPointSize(26)
        font.setBold(True)
        self.grade.setFont(font)
        self.grade.setMinimumWidth(150)
        self.grade.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.summary = QLabel(wordWrap=True)
        self.note = QLabel(wordWrap=True, objectName="source-note")
        self.note.setStyleSheet("color: #ffb300; font-style: italic;")
        self.reasons = QLabel(wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.reasons.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.summary)
        text.addWidget(self.note)
        text.addWidget(self.reasons, 1)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.grade)
        row.addLayout(text, 1)
        self._color(GRAY)

    @property
    def grade_text(self) -> str:
        return self.grade.text()

    def show_verdict(self, verdict, note: str = "", detail: str = "") -> None:
        """`verdict` None: nothing graded (`note` says why)."""
        self.note.setText(note)
        self.note.setVisible(bool(note))
        if verdict is None:
            self.grade.setText("–")
            self._color(GRAY)
            self.summary.setText(detail)
            self.reasons.setText("")
            return
        self.grade.setText(verdict.grade)
        self._color(grade_hex(verdict.grade, verdict.scale))
        n = len(verdict.components)
        bad = sum(1 for c in verdict.components if c.grade != verdict.scale.best)
        self.summary.setText(f"{n} defect component{'s' * (n != 1)}, {bad} graded above "
                             f"{verdict.scale.best}" + (f" · {detail}" if detail else ""))
        items = [html.escape(r.text) for r in verdict.reasons[:MAX_REASONS]]
        more = len(verdict.reasons) - MAX_REASONS
        if more > 0:
            items.append(f"… and {more} more (Components tab)")
        self.reasons.setText("<br>".join(f"• {t}" for t in items) if items
                             else "No rule is broken.")

    def _color(self, hex_color: str) -> None:
        self.grade.setStyleSheet(f"color: {hex_color};")
        self.setStyleSheet(f"#verdict-banner {{ border-left: 6px solid {hex_color}; }}")
