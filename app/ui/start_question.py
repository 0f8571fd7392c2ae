"""The new-project question "Do you have labeled defects yet?", its answers, and what each one
sets up: the Train workspace's default model kind, the workspace shown once the project has
images, and a one-line hint.

The welcome page asks it beside "New project…" (StartQuestion); the main window stores the
answer as the project setting START_SETTING; the Train workspace reads it (project_start) for
its default model kind. A project without the setting (older ones, the demo) starts as
"labeled": defect segmentation, as before the question existed.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QButtonGroup, QLabel, QRadioButton, QVBoxLayout, QWidget

from app.ui.train.model_kind import GOOD_ONLY, LIVE, SEGMENTATION

START_SETTING = "labeled_defects"
LABELED, GOOD_PARTS, NOT_YET = "labeled", "good-only", "not-yet"
QUESTION = "Do you have labeled defects yet?"


@dataclass(frozen=True)
class Start:
    answer: str  # the radio button's text
    model_kind: str  # app.ui.train.model_kind
    workspace: str  # shown first once the project has images ("" : as usual)
    hint: str  # one line where it applies ("" : none)


STARTS = {
    LABELED: Start("Yes: train defect segmentation on them", SEGMENTATION, "", ""),
    GOOD_PARTS: Start("Only good parts", GOOD_ONLY, "Train",
                      "Only good parts so far: train on them here."),
    NOT_YET: Start("Not yet, I'll label them here", LIVE, "Label",
                   "Not labeled yet: paint a few strokes in Label, then Shift+L pre-labels the "
                   "rest."),
}


def project_start(project) -> Start:
    """The project's answer (LABELED when it has none, or an unknown one)."""
    answer = project.settings.get(START_SETTING, LABELED) if project is not None else LABELED
    return STARTS.get(answer, STARTS[LABELED])


class StartQuestion(QWidget):
    """The question and one radio button per answer; "labeled" is chosen at first."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(QLabel(f"New project: {QUESTION}"))
        for key, start in STARTS.items():
            button = QRadioButton(start.answer)
            button.setToolTip(start.hint or "Label or import defects, then train in Train")
            self.group.addButton(button)
            self.buttons[key] = button
            col.addWidget(button)
        self.buttons[LABELED].setChecked(True)

    def answer(self) -> str:
        return next(key for key, b in self.buttons.items() if b.isChecked())
