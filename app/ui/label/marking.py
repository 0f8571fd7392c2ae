"""ImageMarker: the keys that close the labeling loop on the shown image.

Ctrl+Enter: the image is done, status "labeled" (training takes labeled images), then the next
image. Ctrl+G: a good part (no defect), labeled with the good-part flag, then the next image. A
good part has no defect pixels: if the mask holds some, the user is asked whether to erase them
(one undoable edit, like a stroke) or to leave the image as it is.

Pending strokes are written first, so the mask that trains is the one on screen. The store
records each change in the audit trail (action "image.status").
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox

from app.core.editing import MaskEdit


class ImageMarker(QObject):
    marked = Signal(int)  # image id whose status changed

    def __init__(self, workspace):
        super().__init__(workspace)
        self.ws = workspace

    def labeled(self) -> None:
        image_id = self._ready()
        if image_id is None:
            return
        self.ws.flush()
        pixels = int(np.count_nonzero(self.ws.doc.mask))
        # a part with defects is no good part, whatever it was imported as
        self.ws.project.images.set_status([image_id], "labeled",
                                          is_good=False if pixels else None)
        self._done(image_id, "labeled")

    def good(self) -> None:
        image_id = self._ready()
        if image_id is None:
            return
        mask = self.ws.doc.mask
        pixels = int(np.count_nonzero(mask))
        if pixels:
            answer = QMessageBox.question(
                self.ws, "Mark good part",
                f"This image has {pixels} defect pixels; a good part has none.\n"
                "Erase them and mark it a good part? (Ctrl+Z brings them back.)")
            if answer != QMessageBox.StandardButton.Yes:
                self.ws.status_message.emit("Not marked: the image keeps its defect pixels")
                return
            h, w = mask.shape
            edit = MaskEdit.diff((0, 0, w, h), mask.copy(), np.zeros_like(mask))
            edit.apply(mask)
            self.ws._on_dirty(edit.bbox)
            self.ws._push_edit(edit, "erase (good part)")
        self.ws.flush()
        self.ws.project.images.set_status([image_id], "labeled", is_good=True)
        self._done(image_id, "a good part")

    def _ready(self) -> int | None:
        ws = self.ws
        if ws.project is None or ws.doc is None:
            ws.status_message.emit("No image shown")
            return None
        if ws.project.readonly:
            ws.status_message.emit("The project is read-only")
            return None
        return ws.current_id

    def _done(self, image_id: int, what: str) -> None:
        ws = self.ws
        name = ws.current.row.name
        if ws.panel is not None:
            ws.panel.refresh(image_id)
        self.marked.emit(image_id)
        ws.next_image()
        ws.status_message.emit(f"{name} marked {what}")
