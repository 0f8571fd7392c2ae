"""OverrideDialog: another grade for the part, and why (a reason is required).

Keyboard: 1..n pick the grade, Tab to the reasons (arrows pick), Tab to the note, Enter
accepts once a grade other than the model's and a reason are given; "other" needs a note.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QRadioButton,
    QVBoxLayout,
)

from app.core.grading import GradeScale

from .part_view import grade_color, text_color

REASONS = ("dust/contamination", "reflection", "below limit on re-measure", "mislabeled class",
           "other")
OTHER = "other"


class OverrideDialog(QDialog):
    def __init__(self, scale: GradeScale, model_grade: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Override grade")
        self.model_grade = model_grade
        self.grades = QButtonGroup(self)
        self.grade_buttons: dict[str, QRadioButton] = {}
        row = QHBoxLayout()
        for i, g in enumerate(scale.levels, start=1):
            b = QRadioButton(f"{g}  ({i})")
            b.setStyleSheet(f"color: {text_color(grade_color(g, scale)).name()}; font-weight: bold")
            b.setEnabled(g != model_grade)
            self.grades.addButton(b, i - 1)
            self.grade_buttons[g] = b
            row.addWidget(b)
            QShortcut(QKeySequence(str(i)), self, activated=b.click)
        self.levels = scale.levels
        self.reasons = QListWidget()
        self.reasons.addItems(list(REASONS))
        self.reasons.setMaximumHeight(self.reasons.sizeHintForRow(0) * (len(REASONS) + 1))
        self.note = QLineEdit(placeholderText="Note (required for \"other\")")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.hint = QLabel()
        self.hint.setStyleSheet("color: gray")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"The model graded this part <b>{model_grade}</b>. New grade:"))
        layout.addLayout(row)
        layout.addWidget(QLabel("Reason:"))
        layout.addWidget(self.reasons)
        layout.addWidget(self.note)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self.grades.idClicked.connect(self._update)
        self.reasons.itemSelectionChanged.connect(self._update)
        self.note.textChanged.connect(self._update)
        self._preselect()
        self._update()

    def _preselect(self) -> None:
        """The commonest override is "one grade better": pre-pick it."""
        i = self.levels.index(self.model_grade) if self.model_grade in self.levels else 0
        target = self.levels[i - 1] if i > 0 else self.levels[min(1, len(self.levels) - 1)]
        if target != self.model_grade:
            self.grade_buttons[target].setChecked(True)
        self.reasons.setFocus(Qt.FocusReason.OtherFocusReason)

    # result ---------------------------------------------------------------------------------------
    @property
    def grade(self) -> str | None:
        b = self.grades.checkedButton()
        return None if b is None else self.levels[self.grades.id(b)]

    @property
    def reason(self) -> str:
        """'reflection', 'reflection: seen at 45°', or the note alone for "other"."""
        selected = self.reasons.selectedItems()  # focus alone moves the cursor, not a choice
        picked = selected[0].text() if selected else ""
        note = self.note.text().strip()
        if picked == OTHER or not picked:
            return note if picked == OTHER else ""
        return f"{picked}: {note}" if note else picked

    def _update(self, *_args) -> None:
        grade, reason = self.grade, self.reason
        missing = ("a new grade" if grade is None or grade == self.model_grade
                   else "a reason" if not reason else "")
        self.hint.setText(f"Choose {missing}." if missing else "")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not missing)

    def accept(self) -> None:
        if self.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled():
            super().accept()
