"""Brush and eraser strokes, driven without a window (app.core.editing)."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.editing import MaskDocument, Modifiers, ToolMode, make_tool
from app.core.editing.raster import stamp_center


def capsule_reference(shape, c0, c1, diameter):
    """Pixels whose centre lies within diameter/2 of the segment c0-c1 (pixel indices)."""
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float64)
    dx, dy = c1[0] - c0[0], c1[1] - c0[1]
    length2 = dx * dx + dy * dy
    t = np.clip(((xx - c0[0]) * dx + (yy - c0[1]) * dy) / length2, 0, 1) if length2 else 0.0
    return np.hypot(xx - c0[0] - t * dx, yy - c0[1] - t * dy) <= diameter / 2 + 1e-9


def stroke_reference(shape, points, diameter):
    out = np.zeros(shape, bool)
    centers = [stamp_center(p, diameter) for p in points]
    for a, b in zip(centers, centers[1:] or centers, strict=False):
        out |= capsule_reference(shape, a, b, diameter)
    return out


def drive(tool, points, modifiers=Modifiers.NONE):
    """press, move..., release, as the canvas would; returns every ToolResult."""
    results = [tool.press(points[0], modifiers)]
    results += [tool.move(p) for p in points[1:]]
    results.append(tool.release(points[-1]))
    return results


def covers(rect, changed):
    ys, xs = np.nonzero(changed)
    if not len(xs):
        return True
    return rect[0] <= xs.min() and rect[1] <= ys.min() and xs.max() < rect[2] and ys.max() < rect[3]


@pytest.mark.parametrize("diameter", [1, 2, 3, 4, 7, 8, 64])
def test_single_click_paints_a_centred_disk(diameter):
    doc = MaskDocument(np.zeros((100, 100), np.uint8), class_value=3, brush_size=diameter)
    drive(make_tool(ToolMode.BRUSH, doc), [(50.3, 40.6)])
    painted = doc.mask == 3
    ys, xs = np.nonzero(painted)
    assert xs.max() - xs.min() + 1 == diameter and ys.max() - ys.min() + 1 == diameter
    box = painted[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    np.testing.assert_array_equal(box, box[::-1])  # symmetric: a round stamp
    np.testing.assert_array_equal(box, box.T)
    if diameter % 2:  # odd: centred on the pixel under the cursor
        assert (xs.min() + xs.max()) / 2 == 50 and (ys.min() + ys.max()) / 2 == 40
    np.testing.assert_array_equal(painted, stroke_reference(doc.shape, [(50.3, 40.6)], diameter))


def test_small_stamps_have_the_expected_shape():
    doc = MaskDocument(np.zeros((9, 9), np.uint8), brush_size=1)
    drive(make_tool("brush", doc), [(4, 4)])
    assert np.argwhere(doc.mask).tolist() == [[4, 4]]
    doc = MaskDocument(np.zeros((9, 9), np.uint8), brush_size=5)
    drive(make_tool("brush", doc), [(4.5, 4.5)])
    assert doc.mask[2:7, 2:7].tolist() == [[0, 1, 1, 1, 0], [1, 1, 1, 1, 1], [1, 1, 1, 1, 1],
                                           [1, 1, 1, 1, 1], [0, 1, 1, 1, 0]]
    assert doc.mask.sum() == 21


@pytest.mark.parametrize("diameter", [1, 6, 9, 300])  # 300: the row-by-row fill path
def test_stroke_pixels_are_round_capped_thick_lines(diameter):
    points = [(20.0, 30.0), (60.7, 35.2), (61.0, 90.0), (200.0, 91.5), (120.0, 300.0)]
    doc = MaskDocument(np.zeros((320, 360), np.uint8), class_value=2, brush_size=diameter)
    results = drive(make_tool(ToolMode.BRUSH, doc), points)
    np.testing.assert_array_equal(doc.mask == 2, stroke_reference(doc.shape, points, diameter))
    edits = [r.edit for r in results if r.edit is not None]
    assert len(edits) == 1 and results[-1].edit is edits[0]  # one undo step, at release


def test_dirty_rects_cover_every_change_of_every_event():
    doc = MaskDocument(np.zeros((200, 200), np.uint8), class_value=4, brush_size=15)
    tool = make_tool(ToolMode.BRUSH, doc)
    before = doc.mask.copy()
    points = [(10, 10), (50, 20), (120, 150), (190, 199), (250, 250)]
    for i, p in enumerate(points):
        r = tool.press(p) if i == 0 else tool.move(p)
        assert covers(r.dirty, doc.mask != before)
        before = doc.mask.copy()
    edit = tool.release().edit
    x0, y0, x1, y1 = edit.bbox
    assert covers(edit.bbox, doc.mask != 0) and x1 <= 200 and y1 <= 200


def test_edit_reverts_and_reapplies_exactly():
    rng = np.random.default_rng(3)
    original = rng.integers(0, 4, (120, 150), dtype=np.uint8)
    doc = MaskDocument(original.copy(), class_value=9, brush_size=11)
    edit = drive(make_tool(ToolMode.BRUSH, doc), [(5, 5), (100, 60), (140, 110)])[-1].edit
    painted = doc.mask.copy()
    assert edit.revert(doc.mask) == edit.bbox
    np.testing.assert_array_equal(doc.mask, original)
    edit.apply(doc.mask)
    edit.apply(doc.mask)  # idempotent
    np.testing.assert_array_equal(doc.mask, painted)


def test_brush_paints_over_other_classes():
    mask = np.zeros((50, 50), np.uint8)
    mask[20:30, :] = 7
    doc = MaskDocument(mask, class_value=2, brush_size=5)
    drive(make_tool(ToolMode.BRUSH, doc), [(25, 0), (25, 49)])
    assert (doc.mask[:, 23:28] == 2).all()


def test_eraser_erases_every_class():
    mask = np.zeros((40, 40), np.uint8)
    mask[:, :10], mask[:, 10:20], mask[:, 20:] = 1, 2, 3
    doc = MaskDocument(mask, class_value=1, brush_size=4)
    results = drive(make_tool(ToolMode.ERASER, doc), [(0, 20.0), (39.9, 20.0)])
    assert (doc.mask[18:22, :] == 0).all()
    assert doc.mask[:16].all() and doc.mask[24:].all()
    results[-1].edit.revert(doc.mask)
    np.testing.assert_array_equal(doc.mask, mask)


def test_shift_press_draws_a_line_from_the_previous_stroke():
    doc = MaskDocument(np.zeros((100, 100), np.uint8), brush_size=3)
    tool = make_tool(ToolMode.BRUSH, doc)
    drive(tool, [(10, 10)])
    drive(tool, [(80, 60)], Modifiers.SHIFT)
    np.testing.assert_array_equal(
        doc.mask == 1, capsule_reference(doc.shape, (10, 10), (80, 60), 3))
    drive(tool, [(10, 90)])  # without shift: a separate dot
    assert doc.mask[75, 45] == 0 and doc.mask[90, 10] == 1


def test_shift_line_is_one_undo_step_with_the_eraser_too():
    doc = MaskDocument(np.ones((60, 60), np.uint8), brush_size=1)
    drive(make_tool(ToolMode.BRUSH, doc), [(5, 5)])
    edit = drive(make_tool(ToolMode.ERASER, doc), [(50, 5)], Modifiers.SHIFT)[-1].edit
    assert (doc.mask[5, 5:51] == 0).all() and edit.count == 46


def test_hover_and_strokes_outside_the_image_do_nothing():
    doc = MaskDocument(np.zeros((30, 30), np.uint8), brush_size=5)
    tool = make_tool(ToolMode.BRUSH, doc)
    assert tool.move((5, 5)).dirty is None  # no button held
    results = drive(tool, [(-50, -50), (-40, 100)])
    assert all(r.dirty is None and r.edit is None for r in results)
    assert not doc.mask.any() and not tool.busy


def test_same_stamp_twice_reports_nothing_new():
    doc = MaskDocument(np.zeros((30, 30), np.uint8), brush_size=5)
    tool = make_tool(ToolMode.BRUSH, doc)
    tool.press((10.2, 10.2))
    assert tool.move((10.7, 10.9)).dirty is None


def test_brush_size_is_fixed_for_the_stroke():
    doc = MaskDocument(np.zeros((60, 60), np.uint8), brush_size=3)
    tool = make_tool(ToolMode.BRUSH, doc)
    tool.press((10, 30))
    doc.brush_size = 40
    tool.move((50, 30))
    tool.release()
    np.testing.assert_array_equal(
        doc.mask == 1, capsule_reference(doc.shape, (10, 30), (50, 30), 3))


def test_cancel_restores_the_mask():
    original = np.random.default_rng(0).integers(0, 3, (300, 300), dtype=np.uint8)
    doc = MaskDocument(original.copy(), class_value=5, brush_size=40)
    tool = make_tool(ToolMode.BRUSH, doc)
    tool.press((10, 10))
    tool.move((290, 280))
    result = tool.cancel()
    np.testing.assert_array_equal(doc.mask, original)
    assert result.dirty is not None and not tool.busy and tool.release().edit is None


def test_a_stroke_never_copies_the_whole_mask():
    doc = MaskDocument(np.zeros((4000, 5000), np.uint8), brush_size=64)  # 20 MP
    tool = make_tool(ToolMode.BRUSH, doc)
    tracemalloc.start()
    tool.press((2000, 2000))
    for i in range(1, 31):
        tool.move((2000 + 10 * i, 2000 + 5 * math.sin(i)))
    edit = tool.release().edit
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 2_000_000  # the mask is 20 MB
    assert edit.nbytes < 100_000


@settings(max_examples=60, deadline=None)
@given(
    diameter=st.integers(1, 40),
    points=st.lists(st.tuples(st.floats(-20, 80), st.floats(-20, 70)), min_size=1, max_size=6),
)
def test_any_stroke_matches_the_reference(diameter, points):
    doc = MaskDocument(np.zeros((50, 60), np.uint8), class_value=1, brush_size=diameter)
    edit = drive(make_tool(ToolMode.BRUSH, doc), points)[-1].edit
    expected = stroke_reference(doc.shape, points, diameter)
    np.testing.assert_array_equal(doc.mask == 1, expected)
    if edit is None:
        assert not expected.any()
    else:
        assert edit.count == expected.sum() and covers(edit.bbox, expected)
        edit.revert(doc.mask)
        assert not doc.mask.any()


def test_a_press_without_release_hands_on_the_unfinished_stroke():
    doc = MaskDocument(np.zeros((40, 40), np.uint8), brush_size=3)
    tool = make_tool(ToolMode.BRUSH, doc)
    tool.press((5, 5))
    tool.move((15, 5))
    result = tool.press((30, 30))  # the release went to another window
    assert result.edit is not None and result.edit.bbox == (4, 4, 17, 7)
    assert tool.release().edit.bbox == (29, 29, 32, 32)
