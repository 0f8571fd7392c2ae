"""ReadinessLabel: which images the next training run takes, and why the others stay out.

The rule is app.ml.project_data.training_rows (labeled, not held out as test); this only counts
what it leaves out and says how to bring it in. The Train workspace refreshes it whenever it
re-reads the project (on every visit), so statuses set in the Label workspace show at once.
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtWidgets import QLabel

from app.ml.project_data import training_rows


def readiness_text(project) -> str:
    rows = project.images.list()
    if not rows:
        return "No images yet: import some (File > Import images)."
    train = training_rows(project)
    good = sum(r.is_good for r in train)
    status = Counter(r.status for r in rows)
    held_out = sum(r.status == "labeled" and r.split == "test" for r in rows)
    head = (f"{len(train)} of {len(rows)} images will train"
            + (f" ({good} good parts)." if good else "."))
    out = []
    if status["in_progress"]:
        out.append(f"{status['in_progress']} in progress - mark them labeled (Ctrl+Enter in "
                   "Label) to use them")
    if status["unlabeled"]:
        out.append(f"{status['unlabeled']} unlabeled - label them, or mark good parts "
                   "(Ctrl+G)")
    if held_out:
        out.append(f"{held_out} labeled but held out as test (split: right-click in the image "
                   "list)")
    lines = [head] + ([f"Not used: {'; '.join(out)}."] if out else [])
    if not project.classes.list():
        lines.append("No defect class yet: add one in Label (+ in the class list).")
    return "\n".join(lines)


class ReadinessLabel(QLabel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("train.readiness")
        self.setWordWrap(True)

    def show_project(self, project) -> None:
        self.setText(readiness_text(project) if project is not None else "")
