"""The workspace registry: an ordered list of (name, factory), Label first.

Factories import their module lazily, so opening the window imports no workspace that is not
built, and a workspace that is missing or broken leaves the others working.
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

    factory.module = module  # lets build() tell "not installed" from "broken"
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


def _not_installed(exc: ModuleNotFoundError, factory: Factory) -> bool:
    module = getattr(factory, "module", None)
    # Only the workspace's own package missing means "not in this build"; a missing
    # dependency inside it is a real error.
    return bool(module and exc.name and (module == exc.name or module.startswith(exc.name + ".")))


def build(registry=None) -> list[tuple[str, Workspace]]:
    """Instantiate every available workspace in order; failures become BrokenWorkspace."""
    out = []
    for name, factory in WORKSPACES if registry is None else registry:
        try:
            workspace = factory()
        except ModuleNotFoundError as exc:
            if _not_installed(exc, factory):
                log.info("workspace %s is not available in this build", name)
                continue
            workspace = _broken(name, exc)
        except Exception as exc:
            workspace = _broken(name, exc)
        if not workspace.title or workspace.title == Workspace.title:
            workspace.title = name
        out.append((name, workspace))
    return out


def _broken(name: str, exc: BaseException) -> BrokenWorkspace:
    log.error("workspace %s failed to load:\n%s", name, traceback.format_exc())
    return BrokenWorkspace(name, f"{type(exc).__name__}: {exc}")
