"""A part is flagged by a predicted defect of at least PART_MIN_COMPONENT connected pixels."""

import numpy as np

from app.core.metrics import PART_MIN_COMPONENT, is_flagged, largest_component


def test_stray_pixels_do_not_flag_a_part_a_defect_does():
    pred = np.zeros((40, 40), np.uint8)
    assert largest_component(pred) == 0 and not is_flagged(pred)
    pred[::4, ::4] = 1  # 100 scattered single pixels: many pixels, no defect
    assert np.count_nonzero(pred) >= PART_MIN_COMPONENT
    assert largest_component(pred) == 1 and not is_flagged(pred)
    pred[20:25, 20:24] = 2  # 20 connected pixels (8-connected with the grid around it)
    assert largest_component(pred) >= PART_MIN_COMPONENT and is_flagged(pred)
