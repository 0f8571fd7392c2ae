"""Undo atoms, history and the tool table (app.core.editing)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.editing import (
    TOOLS,
    MaskDocument,
    MaskEdit,
    Modifiers,
    ToolMode,
    UndoHistories,
    UndoHistory,
    make_tool,
)

SHAPE = (64, 80)


def edit_of(mask, rect, value):
    """Paint a rectangle through MaskEdit.diff, as a stroke would."""
    x0, y0, x1, y1 = rect
    before = mask[y0:y1, x0:x1].copy()
    mask[y0:y1, x0:x1] = value
    return MaskEdit.diff(rect, before, mask[y0:y1, x0:x1])


@pytest.mark.parametrize("density", [0.001, 0.5], ids=["sparse-indices", "dense-bits"])
@pytest.mark.parametrize("uniform", [True, False], ids=["one-value", "many-values"])
def test_mask_edit_storage_forms_apply_and_revert_exactly(density, uniform):
    rng = np.random.default_rng(0)
    before = rng.integers(0, 5, (300, 400), dtype=np.uint8)
    changed = rng.random(before.shape) < density
    after = before.copy()
    after[changed] = 9 if uniform else rng.integers(10, 20, changed.sum())
    mask = np.zeros((500, 600), np.uint8)
    mask[100:400, 50:450] = before
    edit = MaskEdit.diff((50, 100, 450, 400), before, after)
    assert edit.count == changed.sum()
    np.testing.assert_array_equal(edit.changed_mask(), changed)
    assert edit.apply(mask) == (50, 100, 450, 400)
    np.testing.assert_array_equal(mask[100:400, 50:450], after)
    edit.revert(mask)
    np.testing.assert_array_equal(mask[100:400, 50:450], before)
    assert not mask[:100].any() and not mask[:, :50].any()
    where_bytes = changed.sum() * 4 if density < 0.01 else before.size / 8
    new_bytes = 0 if uniform else changed.sum()  # one int when all new values are equal
    assert edit.nbytes <= where_bytes + changed.sum() + new_bytes + 300


def test_diff_of_equal_crops_is_none():
    crop = np.ones((3, 3), np.uint8)
    assert MaskEdit.diff((0, 0, 3, 3), crop, crop.copy()) is None


def test_undo_redo_and_redo_cleared_by_a_new_edit():
    mask = np.zeros(SHAPE, np.uint8)
    history = UndoHistory()
    assert history.undo(mask) is None and history.redo(mask) is None
    history.push(edit_of(mask, (0, 0, 10, 10), 1))
    history.push(edit_of(mask, (5, 5, 20, 20), 2))
    after_two = mask.copy()
    assert history.undo(mask) == (5, 5, 20, 20)
    assert history.can_redo and mask[15, 15] == 0 and mask[7, 7] == 1
    assert history.redo(mask) == (5, 5, 20, 20)
    np.testing.assert_array_equal(mask, after_two)
    history.undo(mask)
    history.push(edit_of(mask, (30, 30, 40, 40), 3))
    assert not history.can_redo and len(history) == 2
    history.push(None)  # a click that changed nothing
    assert len(history) == 2


def test_history_is_bounded_in_bytes_dropping_the_oldest():
    mask = np.zeros(SHAPE, np.uint8)
    edits = [edit_of(mask, (i, 0, i + 1, 64), i + 1) for i in range(10)]
    budget = sum(e.nbytes for e in edits[-4:])
    history = UndoHistory(max_bytes=budget)
    for e in edits:
        history.push(e)
    assert len(history) == 4 and history.nbytes == budget
    while history.can_undo:
        history.undo(mask)
    assert mask[:, :6].all() and not mask[:, 6:].any()  # the 6 oldest cannot be undone
    while history.can_redo:
        history.redo(mask)
    assert history.nbytes == budget


def test_an_edit_bigger_than_the_budget_is_not_kept():
    mask = np.zeros(SHAPE, np.uint8)
    history = UndoHistory(max_bytes=100)
    history.push(edit_of(mask, (0, 0, 80, 64), 1))
    assert not history.can_undo and history.nbytes == 0


def test_histories_budget_drops_other_images_then_the_oldest_steps():
    masks = {1: np.zeros((64, 64), np.uint8), 2: np.zeros((64, 64), np.uint8)}
    h = UndoHistories(max_bytes=10**9)
    seen = []
    h.subscribe(lambda: seen.append((h.can_undo, h.undo_text, h.can_redo, h.redo_text)))
    h.activate(2)
    h.push(2, edit_of(masks[2], (0, 0, 64, 64), 5), "fill")
    assert seen[-1] == (True, "fill", False, "")
    h.activate(1)
    assert seen[-1] == (False, "", False, "")  # image 1 has no history yet
    edits = [edit_of(masks[1], (0, i, 64, i + 1), i % 3 + 1) for i in range(20)]
    h.max_bytes = sum(e.nbytes for e in edits[-5:])
    for e in edits:
        h.push(1, e, "stroke")
    assert h.history(2) is None  # the other image's history went first
    assert h.nbytes() <= h.max_bytes and len(h.history(1)) == 5
    expected = masks[1].copy()
    for _ in range(5):
        assert h.undo(masks[1]) is not None
    assert h.undo(masks[1]) is None and not h.can_undo
    assert seen[-1] == (False, "", True, "stroke")
    for e in reversed(edits[-5:]):
        e.revert(expected)
    np.testing.assert_array_equal(masks[1], expected)
    for _ in range(5):
        h.redo(masks[1])
    assert masks[1][19].tolist() == [19 % 3 + 1] * 64


def test_histories_act_on_the_active_image_only_and_forget_drops_one():
    mask = np.zeros(SHAPE, np.uint8)
    h = UndoHistories()
    h.activate(7)
    h.push(7, edit_of(mask, (0, 0, 10, 10), 1), "stroke")
    h.activate(None)
    assert h.undo(mask) is None and mask[5, 5] == 1  # no image shown: nothing to undo
    h.activate(7)
    h.forget(7)  # its mask changed elsewhere
    assert not h.can_undo and h.undo(mask) is None and mask[5, 5] == 1
    h.push(7, edit_of(mask, (0, 0, 4, 4), 2), "fill")
    h.clear()
    assert h.active is None and h.nbytes() == 0


def test_tool_table_and_make_tool():
    doc = MaskDocument(np.zeros(SHAPE, np.uint8))
    assert set(TOOLS) == set(ToolMode)
    for mode, cls in TOOLS.items():
        tool = make_tool(mode, doc)
        assert isinstance(tool, cls) and tool.mode is mode and tool.doc is doc
    assert make_tool("eraser", doc).mode is ToolMode.ERASER
    with pytest.raises(ValueError, match="valid tools: brush, eraser, polygon, fill"):
        make_tool("lasso", doc)


def test_document_checks_its_settings():
    with pytest.raises(ValueError, match="uint8"):
        MaskDocument(np.zeros(SHAPE, np.uint16))
    doc = MaskDocument(np.zeros(SHAPE, np.uint8))
    for attr, bad in [("class_value", 0), ("class_value", 256), ("brush_size", 0),
                      ("brush_size", 2001)]:
        with pytest.raises(ValueError):
            setattr(doc, attr, bad)
    doc.brush_size, doc.class_value = 2000, 255
    assert (doc.brush_size, doc.class_value) == (2000, 255)


point = st.tuples(st.floats(-5, SHAPE[1] + 5), st.floats(-5, SHAPE[0] + 5))
operation = st.one_of(
    st.tuples(st.sampled_from(["brush", "eraser"]), st.integers(1, 30), st.integers(1, 4),
              st.lists(point, min_size=1, max_size=5), st.booleans()),
    st.tuples(st.just("polygon"), st.integers(1, 1), st.integers(1, 4),
              st.lists(point, min_size=3, max_size=6), st.booleans()),
    st.tuples(st.just("fill"), st.integers(1, 1), st.integers(1, 4),
              st.lists(point, min_size=1, max_size=1), st.booleans()),
)


def run(doc, kind, points, flag):
    """One user action through the tool; returns the edits it produced."""
    tool = make_tool(kind, doc)
    modifiers = Modifiers.SHIFT if flag else Modifiers.NONE
    if kind == "polygon":
        tool.subtract = flag
        for p in points:
            tool.press(p)
        results = [tool.close()]
    else:
        results = [tool.press(points[0], modifiers)]
        results += [tool.move(p) for p in points[1:]]
        results.append(tool.release(points[-1]))
    return [r.edit for r in results if r.edit is not None]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**16), ops=st.lists(operation, min_size=1, max_size=8))
def test_undo_all_restores_the_original_and_redo_all_the_result(seed, ops):
    original = np.random.default_rng(seed).integers(0, 3, SHAPE, dtype=np.uint8)
    doc = MaskDocument(original.copy())
    history = UndoHistory()
    for kind, size, value, points, flag in ops:
        doc.brush_size, doc.class_value = size, value
        edits = run(doc, kind, points, flag)
        assert len(edits) <= 1  # one undo step per action
        for e in edits:
            history.push(e)
    final = doc.mask.copy()
    while history.can_undo:
        history.undo(doc.mask)
    np.testing.assert_array_equal(doc.mask, original)
    while history.can_redo:
        history.redo(doc.mask)
    np.testing.assert_array_equal(doc.mask, final)
