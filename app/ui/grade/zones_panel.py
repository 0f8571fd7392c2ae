"""ZonesPanel: the recipe's zones, drawn as polygons on the part (with holes), named, ranked.

New zone / Add area / Cut hole put the canvas in a drawing mode: click vertices, Enter closes
the ring (Backspace drops a vertex, Escape cancels). Each closed ring, rename, severity change
or delete is one edit of the draft (the recipe bar's Save writes a version).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from . import zone_edit
from .tools import Mode, zone_vertex

HINT = "Click vertices on the part; Enter closes the ring, Backspace removes a vertex, Esc stops."


class ZonesPanel(QWidget):
    selection_changed = Signal(object)  # zone name or None
    message = Signal(str)

    def __init__(self, session, controller, parent=None):
        super().__init__(parent)
        self.session, self.controller = session, controller
        self.target: str | None = None  # zone that the ring being drawn belongs to (None: new)
        self.list = QListWidget(objectName="zones")
        self.name = QLineEdit(placeholderText="zone name")
        self.severity = QSpinBox(minimum=1, maximum=99, keyboardTracking=False)
        self.severity.setToolTip("Where zones overlap, the more severe one owns the pixels")
        self.new_button = QPushButton("New zone")
        self.area_button = QPushButton("Add area")
        self.hole_button = QPushButton("Cut hole")
        self.delete_button = QPushButton("Delete")
        self.stop_button = QPushButton("Stop drawing")
        self.hint = QLabel(HINT, wordWrap=True, enabled=False)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Severity", self.severity)
        buttons = QGridLayout()
        for i, b in enumerate((self.new_button, self.area_button, self.hole_button,
                               self.delete_button, self.stop_button)):
            buttons.addWidget(b, i // 3, i % 3)
        col = QVBoxLayout(self)
        col.addWidget(self.list, 1)
        col.addLayout(form)
        col.addLayout(buttons)
        col.addWidget(self.hint)

        self.list.currentItemChanged.connect(self._selected)
        self.new_button.clicked.connect(lambda: self.draw(Mode.ZONE, None))
        self.area_button.clicked.connect(lambda: self.draw(Mode.ZONE, self.selected))
        self.hole_button.clicked.connect(lambda: self.draw(Mode.HOLE, self.selected))
        self.stop_button.clicked.connect(lambda: controller.set_mode(Mode.SELECT))
        self.delete_button.clicked.connect(self.delete_selected)
        self.name.editingFinished.connect(self._rename)
        self.severity.editingFinished.connect(self._severity)
        controller.ring_closed.connect(self.ring_closed)
        controller.mode_changed.connect(lambda _m: self._sync_buttons())
        session.recipe_changed.connect(self.sync)
        self.sync()

    @property
    def selected(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def select(self, name: str | None) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole) == name:
                self.list.setCurrentRow(i)
                return
        self.list.setCurrentRow(-1)

    def draw(self, mode: Mode, target: str | None) -> None:
        """Start drawing a ring: a new zone (target None), an area or a hole of `target`."""
        if mode == Mode.HOLE and target is None:
            self.message.emit("Select the zone to cut a hole into")
            return
        self.target = target
        self.controller.set_mode(mode)
        self.message.emit(HINT)

    def ring_closed(self, ring) -> None:
        part = self.session.part
        if part is None:
            return
        size = (part.shape[1], part.shape[0])
        pts = [zone_vertex(p) for p in ring.points]
        recipe = self.session.recipe
        try:
            if ring.hole:
                recipe, name = zone_edit.cut_hole(recipe, pts, size, self.target), self.target
            else:
                recipe, name = zone_edit.add_ring(recipe, pts, size, self.target,
                                                  self.severity.value())
        except ValueError as e:
            self.message.emit(str(e))
            return
        self.controller.set_mode(Mode.SELECT)
        self.session.edit(recipe)
        self.select(name)

    def delete_selected(self) -> None:
        name = self.selected
        if name is None:
            return
        recipe, dropped = zone_edit.delete(self.session.recipe, name)
        self.session.edit(recipe)
        self.message.emit(f"Deleted zone {name!r}" + (f" and its {dropped} rule(s)" if dropped
                                                        else ""))

    def sync(self) -> None:
        keep = self.selected
        zones = self.session.recipe.zones
        self.list.blockSignals(True)
        self.list.clear()
        for z in sorted(zones.zones, key=lambda z: (-z.severity, z.name)):
            n = len(z.polygons)
            item = QListWidgetItem(f"{z.name}  ·  severity {z.severity}  ·  {n} area"
                                   f"{'s' * (n != 1)}")
            item.setData(Qt.ItemDataRole.UserRole, z.name)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self.select(keep)
        self._selected()

    def _selected(self, *_args) -> None:
        name = self.selected
        zone = next((z for z in self.session.recipe.zones.zones if z.name == name), None)
        self.name.setText(name or "")
        self.severity.blockSignals(True)
        self.severity.setValue(zone.severity if zone else 1)
        self.severity.blockSignals(False)
        self._sync_buttons()
        self.selection_changed.emit(name)

    def _sync_buttons(self) -> None:
        editable = self.session.editable
        has = self.selected is not None
        drawing = self.controller.mode in (Mode.ZONE, Mode.HOLE)
        self.new_button.setEnabled(editable)
        for b in (self.area_button, self.hole_button, self.delete_button):
            b.setEnabled(editable and has)
        self.name.setEnabled(editable and has)
        self.stop_button.setEnabled(drawing)

    def _rename(self) -> None:
        old, new = self.selected, self.name.text().strip()
        if old is None or new == old:
            return
        try:
            recipe = zone_edit.rename(self.session.recipe, old, new)
        except ValueError as e:
            self.message.emit(str(e))
            self.name.setText(old)
            return
        self.session.edit(recipe)
        self.select(new)

    def _severity(self) -> None:
        name = self.selected
        if name is not None:
            self.session.edit(zone_edit.set_severity(self.session.recipe, name,
                                                       self.severity.value()))
