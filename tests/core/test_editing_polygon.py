"""Polygon tool: fill and subtract, exactly as cv2.fillPoly (app.core.editing)."""

from __future__ import annotations

import cv2
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.editing import MaskDocument, Modifiers, ToolMode, fill_polygon, make_tool


def draw(doc, vertices, modifiers=Modifiers.NONE, tool=None):
    tool = tool or make_tool(ToolMode.POLYGON, doc)
    for i, v in enumerate(vertices):
        assert tool.press(v, modifiers if i == 0 else Modifiers.NONE).dirty is None
        tool.move(v)
        tool.release(v)
    return tool, tool.close()


def fillpoly_reference(mask, vertices, value):
    out = mask.copy()
    cv2.fillPoly(out, [np.array(vertices, np.int32)], value)
    return out


def test_polygon_equals_cv2_fillpoly():
    mask = np.zeros((100, 120), np.uint8)
    mask[40:60, :] = 5
    vertices = [(10, 10), (100, 20), (60, 90), (30, 50)]
    doc = MaskDocument(mask.copy(), class_value=3)
    _, result = draw(doc, vertices)
    np.testing.assert_array_equal(doc.mask, fillpoly_reference(mask, vertices, 3))
    assert result.edit is not None and result.dirty == result.edit.bbox == (10, 10, 101, 91)
    result.edit.revert(doc.mask)
    np.testing.assert_array_equal(doc.mask, mask)


def test_subtract_cuts_a_hole_in_any_class():
    mask = np.zeros((80, 80), np.uint8)
    mask[10:70, 10:40], mask[10:70, 40:70] = 1, 2
    hole = [(20, 20), (60, 20), (60, 60), (20, 60)]
    doc = MaskDocument(mask.copy(), class_value=1)
    tool = make_tool(ToolMode.POLYGON, doc)
    tool.subtract = True
    draw(doc, hole, tool=tool)
    np.testing.assert_array_equal(doc.mask, fillpoly_reference(mask, hole, 0))
    assert not doc.mask[20:61, 20:61].any() and doc.mask[15, 15] == 1 and doc.mask[65, 65] == 2


def test_alt_on_the_first_vertex_subtracts_that_polygon_only():
    doc = MaskDocument(np.full((40, 40), 4, np.uint8), class_value=4)
    tool, _ = draw(doc, [(5, 5), (30, 5), (30, 30)], Modifiers.ALT)
    assert doc.mask[6, 25] == 0 and not tool.subtracting
    draw(doc, [(5, 5), (30, 5), (30, 30)], tool=tool)
    assert (doc.mask == 4).all()


def test_vertices_backspace_and_double_click():
    doc = MaskDocument(np.zeros((50, 50), np.uint8))
    tool = make_tool(ToolMode.POLYGON, doc)
    for p in [(1.7, 1.2), (40.0, 1.0), (40.5, 40.9), (40.5, 40.9), (3, 30)]:
        tool.press(p)
    assert tool.vertices == [(1, 1), (40, 1), (40, 40), (3, 30)] and tool.busy
    tool.remove_last()
    assert tool.vertices == [(1, 1), (40, 1), (40, 40)]
    result = tool.close()
    assert not tool.busy and result.edit is not None
    np.testing.assert_array_equal(
        doc.mask, fillpoly_reference(np.zeros((50, 50), np.uint8), [(1, 1), (40, 1), (40, 40)], 1))


def test_fewer_than_three_vertices_or_cancel_paint_nothing():
    doc = MaskDocument(np.zeros((20, 20), np.uint8))
    tool = make_tool(ToolMode.POLYGON, doc)
    tool.press((1, 1))
    tool.press((10, 10))
    assert tool.close().edit is None and not tool.busy
    for p in [(1, 1), (10, 1), (10, 10)]:
        tool.press(p)
    tool.cancel()
    assert tool.close().edit is None and not doc.mask.any()


def test_polygon_on_pixels_already_of_the_class_gives_no_edit():
    doc = MaskDocument(np.ones((20, 20), np.uint8), class_value=1)
    _, result = draw(doc, [(1, 1), (15, 1), (15, 15)])
    assert result.edit is None and result.dirty is None


coords = st.integers(-30, 90)


@settings(max_examples=150, deadline=None)
@given(
    vertices=st.lists(st.tuples(coords, coords), min_size=3, max_size=9),
    value=st.integers(0, 3),
    seed=st.integers(0, 2**16),
)
def test_fill_polygon_equals_fillpoly_for_any_vertices(vertices, value, seed):
    """Self-intersecting, degenerate, partly or wholly outside the mask: always fillPoly."""
    mask = np.random.default_rng(seed).integers(0, 4, (60, 70), dtype=np.uint8)
    expected = fillpoly_reference(mask, vertices, value)
    work = mask.copy()
    edit = fill_polygon(work, vertices, value)
    np.testing.assert_array_equal(work, expected)
    if edit is None:
        np.testing.assert_array_equal(mask, expected)
    else:
        assert edit.count == np.count_nonzero(mask != expected)
        edit.revert(work)
        np.testing.assert_array_equal(work, mask)
