"""The workspace registry: an ordered list of (name, factory), Label first.

Factories import their module lazily, so opening the window imports only what it shows first,
and a workspace that fails to load (every one ships, so that is a bug) says why in its tab
while the others keep working.
"""

from __future__ import annotations

import importlib
import logging
import traceback
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout

from .workspace import Workspace

log = logging.getLogger(__name__)

Factory = Callable[[], Workspace]


def lazy(module: str, cls: str) -> Factory:
    """A factory that imports `module` only when called."""

    def factory() -> Workspace:
        return getattr(importlib.import_module(module), cls)()

    factory.module = module
    return factory


WORKSPACES: list[tuple[str, Factory]] = [
    ("Label", lazy("app.ui.label.workspace", "LabelWorkspace")),
    ("Train", lazy("app.ui.train.workspace", "TrainWorkspace")),
    ("Grade", lazy("app.ui.grade.workspace", "GradeWorkspace")),
    ("Review", lazy("app.ui.review.workspace", "ReviewWorkspace")),
]


class BrokenWorkspace(Workspace):
    """Stands in for a workspace that failed to load, and says why."""

    def __init__(self, name: str, error: str):
        super().__init__()
        self.title = name
        self.error = error
        label = QLabel(f"The {name} workspace could not be loaded.\n\n{error}\n\n"
                       "Details are in the log file (Help > About).")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        QVBoxLayout(self).addWidget(label)


def build(registry=None) -> list[tuple[str, Workspace]]:
    """Instantiate every workspace in order; failures become BrokenWorkspace."""
    out = []
    for name, factory in WORKSPACES if registry is None else registry:
        try:
            workspace = factory()
        except Exception as exc:
            workspace = _broken(name, exc)
        if not workspace.title or workspace.title == Workspace.title:
            workspace.title = name
        out.append((name, workspace))
    return out


def _broken(name: str, exc: BaseException) -> BrokenWorkspace:
    log.error("workspace %s failed to load:\n%s", name, traceback.format_exc())
    return BrokenWorkspace(name, f"{type(exc).__name__}: {exc}")
