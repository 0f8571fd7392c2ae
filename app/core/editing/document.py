"""MaskDocument: the mask being edited and the settings the tools read."""

from __future__ import annotations

import numpy as np

MAX_BRUSH_SIZE = 2000


class MaskDocument:
    """A label mask (uint8 (H, W), 0 = background) plus the current class and brush size.

    Tools write into ``mask`` in place; the UI keeps drawing from the same array.
    """

    def __init__(self, mask: np.ndarray, class_value: int = 1, brush_size: int = 16):
        if mask.dtype != np.uint8 or mask.ndim != 2 or not mask.flags.c_contiguous:
            raise ValueError(
                f"mask must be C-contiguous uint8 (H, W), got {mask.dtype} {mask.shape}")
        self.mask = mask
        self.class_value = class_value
        self.brush_size = brush_size
        # End of the last brush or eraser stroke: shift-click draws a line from here.
        self.last_point: tuple[float, float] | None = None
        # The model's pre-labels shown with this mask (app.core.prelabel.PreLabels), if any:
        # the accept tool reads them. None while there are none or they are hidden.
        self.prelabels = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.mask.shape

    @property
    def class_value(self) -> int:
        """The defect class value the brush, polygon and fill paint (1..255)."""
        return self._class_value

    @class_value.setter
    def class_value(self, value: int) -> None:
        if not 1 <= int(value) <= 255:
            raise ValueError(f"class value must be 1..255, got {value}")
        self._class_value = int(value)

    @property
    def brush_size(self) -> int:
        """Brush and eraser diameter in image pixels (1..2000)."""
        return self._brush_size

    @brush_size.setter
    def brush_size(self, value: int) -> None:
        if not 1 <= int(value) <= MAX_BRUSH_SIZE:
            raise ValueError(f"brush size must be 1..{MAX_BRUSH_SIZE} px, got {value}")
        self._brush_size = int(value)
