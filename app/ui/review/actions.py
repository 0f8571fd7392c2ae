"""The Review workspace's actions, declared once: text, keys, tooltip, and the handler called.

Keys (none shared with the Label workspace's letters, so muscle memory never crosses over):
J or Down next part, K or Up previous part, C or Enter confirm the verdict, O override the
grade (asks for a reason), L send to labeling, R show/hide the reference good part,
Ctrl+0 fit the part, Ctrl+Shift+A audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from app.ui.actions import decorate_tooltip


@dataclass(frozen=True)
class Spec:
    id: str
    text: str
    keys: tuple[str, ...]
    tip: str
    handler: str  # ReviewWorkspace method
    button: str  # short text for its button, shown with the first key
    checkable: bool = False
    needs_part: bool = True  # disabled while no part is shown


SPECS = (
    Spec("review.next", "&Next part", ("J", "Down"), "Show the next part in the queue",
         "next_part", "Next"),
    Spec("review.prev", "&Previous part", ("K", "Up"), "Show the previous part in the queue",
         "prev_part", "Previous"),
    Spec("review.confirm", "&Confirm verdict", ("C", "Return", "Enter"),
         "Agree with the model's grade and go to the next part", "confirm", "Confirm"),
    Spec("review.override", "&Override grade…", ("O",),
         "Give the part another grade, with a reason", "override", "Override…"),
    Spec("review.to_labeling", "Send to &labeling", ("L",),
         "Add the part to the training images with the model's result as a pre-label",
         "send_to_labeling", "To labeling"),
    Spec("review.reference", "&Reference part", ("R",),
         "Show a good part beside this one", "set_reference_visible", "Reference",
         checkable=True),
    Spec("review.fit", "&Fit", ("Ctrl+0",), "Show the whole part", "fit", "Fit"),
    Spec("review.audit", "&Audit trail…", ("Ctrl+Shift+A",),
         "Browse who decided what, and when", "open_audit_view", "Audit trail…",
         needs_part=False),
)


def build_actions(workspace) -> dict[str, QAction]:
    """QActions owned by the workspace, live while it is the shown workspace."""
    actions: dict[str, QAction] = {}
    for spec in SPECS:
        action = QAction(spec.text, workspace)
        action.setObjectName(spec.id)
        action.setShortcuts([QKeySequence(k) for k in spec.keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(spec.tip)
        action.setStatusTip(spec.tip)
        action.setCheckable(spec.checkable)
        action.setProperty("needs_part", spec.needs_part)
        # buttons show the first key: the review is learnt from the screen
        action.setIconText(f"{spec.button} ({spec.keys[0]})" if len(spec.keys[0]) == 1
                           else spec.button)
        handler = getattr(workspace, spec.handler)
        if spec.checkable:
            action.toggled.connect(handler)
        else:
            action.triggered.connect(lambda _checked=False, h=handler: h())
        decorate_tooltip(action)
        actions[spec.id] = action
    return actions
