"""The image list's context menu: set the status and the split of the selected images.

Status words are the store's ("unlabeled", "in_progress", "labeled"; a good part is labeled
with the good-part flag). Split "auto" is no split: training assigns train or val itself and
keeps it (app.ml.project_data.assign_splits); "test" holds an image out of training. A good
part has no defect pixels, so images with painted defects are refused as good parts, and
nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

# (menu text, status, is_good): setting a status other than good part clears the flag
STATUS_CHOICES = (
    ("&Unlabeled", "unlabeled", False),
    ("&In progress", "in_progress", False),
    ("&Labeled (trains)", "labeled", False),
    ("&Good part (no defect, trains)", "labeled", True),
)
SPLIT_CHOICES = (
    ("&Auto (chosen at training)", None),
    ("&Train", "train"),
    ("&Val", "val"),
    ("T&est (held out of training)", "test"),
)


def build_menu(parent: QWidget, project, ids: list[int],
               done: Callable[[list[int], str], None]) -> QMenu:
    """A menu acting on `ids`; `done(ids, message)` after a write."""
    menu = QMenu(parent)
    n = len(ids)
    what = "image" if n == 1 else f"{n} images"
    writable = project is not None and not project.readonly and n > 0
    status = menu.addMenu(f"&Status of {what}")
    for text, value, good in STATUS_CHOICES:
        action = status.addAction(text)
        action.setObjectName(f"status.{'good' if good else value}")
        action.triggered.connect(
            lambda _=False, v=value, g=good: _set_status(parent, project, ids, v, g, done))
    split = menu.addMenu(f"S&plit of {what}")
    for text, value in SPLIT_CHOICES:
        action = split.addAction(text)
        action.setObjectName(f"split.{value or 'auto'}")
        action.triggered.connect(lambda _=False, v=value: _set_split(project, ids, v, done))
    status.setEnabled(writable)
    split.setEnabled(writable)
    return menu


def _set_status(parent, project, ids, status: str, good: bool, done) -> None:
    if good:
        summary = project.masks.defect_summary()
        painted = [i for i in ids if summary.get(i, (0, ()))[0] > 0]
        if painted:
            QMessageBox.warning(
                parent, "Good part",
                f"{len(painted)} of the selected images have painted defects; a good part has "
                "none. Erase them in the Label workspace first (or mark those images labeled). "
                "Nothing was changed.")
            return
    project.images.set_status(ids, status, is_good=good)
    word = "good parts" if good else status.replace("_", " ")
    done(ids, f"{_count(ids)} marked {word}")


def _set_split(project, ids, split: str | None, done) -> None:
    project.images.set_split(ids, split)
    done(ids, f"{_count(ids)} put in split {split or 'auto'}")


def _count(ids) -> str:
    return "1 image" if len(ids) == 1 else f"{len(ids)} images"
