"""DetailsPanel: the shown part's verdict, its reasons, and one row per defect component.

Selecting a component row emits `component_selected(index)` so the view can highlight it.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from .part_view import grade_color, text_color
from .parts import merged_lines

COLUMNS = ("Grade", "Class", "Area", "Length", "Zones", "Borderline")
LISTS = (COLUMNS.index("Zones"), COLUMNS.index("Borderline"))  # lists: elided past a width


def _number(v, unit: str) -> str:
    return "" if v is None else f"{float(v):.3g} {unit}"


class DetailsPanel(QWidget):
    component_selected = Signal(object)  # index into the result's components, or None

    def __init__(self, parent=None):
        super().__init__(parent)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.verdict.setObjectName("reviewVerdict")
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setRootIsDecorated(False)
        self.tree.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrows and letters are the review's
        self.tree.setAlternatingRowColors(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.tree.header().setStretchLastSection(True)
        self.tree.itemSelectionChanged.connect(self._selection)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.verdict)
        layout.addWidget(self.tree, 1)

    def show_result(self, result, scale, names, units: tuple[str, str]) -> None:
        """`units`: (area, length) unit names, e.g. ("mm²", "mm") or ("px²", "px")."""
        self.tree.clear()
        if result is None:
            self.verdict.setText("No part")
            return
        color = text_color(grade_color(result.grade, scale)).name()
        lines = [f"<b>Model: <span style='color:{color}'>{result.grade}</span></b>"
                 f" &nbsp; risk {result.risk:.2f}" + (" &nbsp; borderline" if result.flagged
                                                     else "")]
        if result.decision is not None:
            d = result.decision
            lines.append(f"Reviewed: <b>{d.decision}</b> → {d.grade}"
                         + (f" ({d.reason})" if d.reason else "") + f" by {d.author}")
        lines += [f"• {html.escape(t)}" for t in merged_lines(r.display_text
                                                               for r in result.reasons)]
        self.verdict.setText("<br>".join(lines))
        for c in result.components:
            item = QTreeWidgetItem([c.grade or "", c.class_label(names),
                                    _number(c.area_mm2, units[0]),
                                    _number(c.length_mm, units[1]),
                                    ", ".join(c.zones), ", ".join(c.borderline)])
            item.setForeground(0, text_color(grade_color(c.grade, scale)))
            for col in range(1, len(COLUMNS)):  # a cut-off cell reads in full on hover
                item.setToolTip(col, item.text(col))
            # the part's reasons (above) already list these; here they are a hover away
            item.setToolTip(0, "\n".join(c.reasons) or "within the limits")
            self.tree.addTopLevelItem(item)
        # Columns no component fills (no zones, nothing borderline) are hidden, so the rest fit
        # the panel without a horizontal scroll bar.
        for i in range(len(COLUMNS)):
            empty = all(not self.tree.topLevelItem(r).text(i)
                        for r in range(self.tree.topLevelItemCount()))
            self.tree.setColumnHidden(i, empty and i >= 2)
            self.tree.resizeColumnToContents(i)
        self._fit_lists()

    def _fit_lists(self) -> None:
        """Zones and borderline lists share what the fixed columns leave (elided; the full text
        is a hover away), so a defect across two zones never needs a horizontal scroll bar."""
        shown = [i for i in LISTS if not self.tree.isColumnHidden(i)]
        if not shown:
            return
        fixed = sum(self.tree.columnWidth(i) for i in range(len(COLUMNS))
                    if i not in LISTS and not self.tree.isColumnHidden(i))
        room = max(self.tree.viewport().width() - fixed, 60 * len(shown)) // len(shown)
        for i in shown:
            self.tree.setColumnWidth(i, min(self.tree.columnWidth(i), room))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_lists()

    def _selection(self) -> None:
        items = self.tree.selectedItems()
        if not items:
            self.component_selected.emit(None)
            return
        item = items[0].parent() or items[0]
        self.component_selected.emit(self.tree.indexOfTopLevelItem(item))
