"""Flood fill tool (app.core.editing)."""

from __future__ import annotations

import cv2
import numpy as np

from app.core.editing import MaskDocument, ToolMode, flood_fill, make_tool


def ring_mask():
    """A ring of class 1 around a background hole, on a background."""
    mask = np.zeros((100, 120), np.uint8)
    cv2.circle(mask, (60, 50), 30, 1, -1)
    cv2.circle(mask, (60, 50), 15, 0, -1)
    return mask


def test_fill_an_enclosed_hole():
    mask = ring_mask()
    doc = MaskDocument(mask.copy(), class_value=2)
    tool = make_tool(ToolMode.FILL, doc)
    result = tool.press((60.5, 50.5))
    hole = np.zeros_like(mask)
    cv2.circle(hole, (60, 50), 15, 1, -1)
    np.testing.assert_array_equal(doc.mask == 2, hole.astype(bool))
    np.testing.assert_array_equal(doc.mask[~hole.astype(bool)], mask[~hole.astype(bool)])
    assert result.dirty == result.edit.bbox == (45, 35, 76, 66)
    assert tool.release((60, 50)).edit is None  # one edit per click


def test_fill_the_background_bounded_by_a_label():
    mask = ring_mask()
    doc = MaskDocument(mask.copy(), class_value=3)
    edit = make_tool(ToolMode.FILL, doc).press((0, 0)).edit
    outside = np.ones_like(mask, bool)
    ring = np.zeros_like(mask)
    cv2.circle(ring, (60, 50), 30, 1, -1)
    outside[ring.astype(bool)] = False
    np.testing.assert_array_equal(doc.mask == 3, outside)
    assert edit.bbox == (0, 0, 120, 100) and edit.count == outside.sum()
    edit.revert(doc.mask)
    np.testing.assert_array_equal(doc.mask, mask)


def test_fill_is_4_connected():
    mask = np.zeros((4, 4), np.uint8)
    mask[[0, 1, 2, 3], [3, 2, 1, 0]] = 1  # an anti-diagonal wall: 8-connected only
    doc = MaskDocument(mask.copy(), class_value=2)
    make_tool(ToolMode.FILL, doc).press((0, 0))
    assert doc.mask.tolist() == [[2, 2, 2, 1], [2, 2, 1, 0], [2, 1, 0, 0], [1, 0, 0, 0]]


def test_fill_replaces_a_region_of_another_class():
    mask = ring_mask()
    edit = flood_fill(mask, (60, 22), 4)  # on the ring
    assert (mask == 4).sum() == edit.count and not (mask == 1).any()


def test_fill_on_the_same_class_or_outside_does_nothing():
    mask = ring_mask()
    doc = MaskDocument(mask, class_value=1)
    tool = make_tool(ToolMode.FILL, doc)
    assert tool.press((60, 22)).edit is None
    assert tool.press((-1, 5)).edit is None and tool.press((120, 5)).dirty is None
    np.testing.assert_array_equal(mask, ring_mask())


def test_full_background_fill_atom_is_small():
    mask = np.zeros((1000, 2000), np.uint8)
    mask[500, 1000] = 1
    edit = flood_fill(mask, (0, 0), 2)
    assert edit.count == mask.size - 1
    assert edit.nbytes < mask.size / 8 + 1000  # one bit a pixel, values stored once
