"""The image list's "Assign to…" entries: a lead assigns the selected images to a person.

The name is typed or picked from the people the project knows: everyone in its audit trail and
everyone images are assigned to already. "next image" in Label then takes the images assigned
to the person first (app/store/assignment.py).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMenu, QWidget


def people(project) -> list[str]:
    assigned = {r.assignee for r in project.images.list() if r.assignee}
    return sorted(set(project.audit.authors()) | assigned, key=str.casefold)


def ask_assignee(parent: QWidget, names: list[str]) -> str | None:
    """The person typed or picked; None when canceled."""
    dialog = QInputDialog(parent)
    dialog.setObjectName("assign_dialog")
    dialog.setWindowTitle("Assign images")
    dialog.setLabelText("Assign to (a name, as the person's database login):")
    dialog.setComboBoxItems(names)
    dialog.setComboBoxEditable(True)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
    dialog.setTextValue("")
    if not dialog.exec():
        return None
    return dialog.textValue().strip() or None


def add_assign_menu(menu: QMenu, parent: QWidget, project, ids: list[int],
                    done: Callable[[list[int], str], None]) -> None:
    writable = project is not None and not project.readonly and bool(ids)
    n = len(ids)
    what = "image" if n == 1 else f"{n} images"
    assign = menu.addAction(f"Assi&gn {what} to…")
    assign.setObjectName("assign.to")
    assign.triggered.connect(lambda: _assign(parent, project, ids, done))
    clear = menu.addAction(f"&Unassign {what}")
    clear.setObjectName("assign.clear")
    clear.triggered.connect(lambda: _set(project, ids, None, done))
    assign.setEnabled(writable)
    clear.setEnabled(writable)


def _assign(parent, project, ids, done) -> None:
    name = ask_assignee(parent, people(project))
    if name is not None:
        _set(project, ids, name, done)


def _set(project, ids, name: str | None, done) -> None:
    project.images.assign(ids, name)
    count = "1 image" if len(ids) == 1 else f"{len(ids)} images"
    done(ids, f"{count} assigned to {name}" if name else f"{count} unassigned")
