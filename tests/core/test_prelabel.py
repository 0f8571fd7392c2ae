"""Pre-labels from stored probabilities: the mask rule, components, lookup and accepting."""

import cv2
import numpy as np
import pytest

from app.core.editing import MaskDocument, ToolMode, make_tool
from app.core.prelabel import PreLabels, prelabel_mask

H, W = 30, 40


def two_blobs():
    """Class 1 (channel 0): a rectangle with a hole; class 2 (channel 1): a disc."""
    probs = np.zeros((2, H, W), np.uint8)
    probs[0, 4:12, 3:15] = 230
    probs[0, 7:9, 7:10] = 20  # the hole
    cv2.circle(probs[1], (28, 20), 5, 200, -1)
    return probs


def test_mask_takes_the_most_probable_class_at_or_over_the_threshold():
    probs = np.zeros((3, 1, 6), np.uint8)
    probs[:, 0, 0] = (128, 0, 0)  # exactly round(0.5 * 255): a pre-label
    probs[:, 0, 1] = (127, 0, 0)  # just under: background
    probs[:, 0, 2] = (100, 140, 120)  # the highest wins even if others pass too
    probs[:, 0, 3] = (150, 150, 0)  # a tie goes to the earlier channel
    probs[:, 0, 4] = (90, 80, 85)  # highest is under the threshold: background
    probs[:, 0, 5] = (0, 0, 255)
    values = [1, 4, 7]
    assert prelabel_mask(probs, values).tolist() == [[1, 0, 4, 1, 0, 7]]
    assert prelabel_mask(probs, values, threshold=0.55).tolist() == [[0, 0, 4, 1, 0, 7]]
    # a class the project no longer has is dropped, never replaced by the runner-up
    assert prelabel_mask(probs, values, classes={1, 7}).tolist() == [[1, 0, 0, 1, 0, 7]]


def test_mask_checks_its_inputs():
    with pytest.raises(ValueError, match="2 probability channels but 1"):
        prelabel_mask(np.zeros((2, 3, 3), np.uint8), [1])
    with pytest.raises(ValueError, match="uint8"):
        prelabel_mask(np.zeros((1, 3, 3), np.float32), [1])


def test_components_are_8_connected_per_class_and_rebuild_the_mask():
    mask = np.zeros((8, 8), np.uint8)
    mask[1, 1] = mask[2, 2] = 1  # diagonal neighbours: one component
    mask[1, 3] = 2  # touches class 1 diagonally but is another class
    mask[6, 6] = 1  # alone
    pre = PreLabels.from_mask(mask)
    got = sorted((c.class_value, c.bbox, c.area) for c in pre)
    assert got == [(1, (1, 1, 3, 3), 2), (1, (6, 6, 7, 7), 1), (2, (3, 1, 4, 2), 1)]
    np.testing.assert_array_equal(pre.to_mask(), mask)
    assert [c.index for c in pre] == list(range(len(pre)))


def test_components_match_connected_components_on_noise():
    rng = np.random.default_rng(3)
    probs = rng.integers(0, 256, (2, 60, 70), dtype=np.uint8)
    probs = cv2.GaussianBlur(probs.transpose(1, 2, 0), (5, 5), 0).transpose(2, 0, 1).copy()
    mask = prelabel_mask(probs, [3, 5], threshold=0.52)
    pre = PreLabels.from_mask(mask)
    np.testing.assert_array_equal(pre.to_mask(), mask)
    for value in (3, 5):
        n = cv2.connectedComponents((mask == value).astype(np.uint8), connectivity=8)[0]
        assert sum(c.class_value == value for c in pre) == n - 1


def test_outlines_run_through_the_border_pixels_holes_included():
    pre = PreLabels.from_probs(two_blobs(), [1, 2])
    rect = next(c for c in pre if c.class_value == 1)
    assert rect.bbox == (3, 4, 15, 12)
    outer, hole = rect.contours
    assert sorted(map(tuple, outer.tolist())) == [(3, 4), (3, 11), (14, 4), (14, 11)]
    assert {tuple(p) for p in hole.tolist()} <= {(x, y) for y in range(6, 10)
                                                 for x in range(6, 11)}
    dot = PreLabels.from_mask(np.pad(np.ones((1, 1), np.uint8), 2))[0]
    assert [c.tolist() for c in dot.contours] == [[[2, 2]]]


def test_component_at_finds_the_component_under_a_point():
    pre = PreLabels.from_probs(two_blobs(), [1, 2])
    assert pre.component_at(3.0, 4.0).class_value == 1  # the top-left pixel's corner
    assert pre.component_at(28.5, 20.5).class_value == 2
    assert pre.component_at(8.5, 7.5) is None  # in the hole
    assert pre.component_at(2.99, 4.0) is None
    assert pre.component_at(-1, -1) is None


def test_accepting_one_fills_only_its_background_pixels_and_reverts():
    pre = PreLabels.from_probs(two_blobs(), [1, 2])
    mask = np.zeros((H, W), np.uint8)
    mask[10:14, 0:6] = 2  # the engineer's label, overlapping the rectangle's corner
    before = mask.copy()
    rect = pre.component_at(5, 5)
    edit = pre.accept(mask, rect)
    expected = before.copy()
    x0, y0, x1, y1 = rect.bbox
    region = expected[y0:y1, x0:x1]
    region[rect.pixels & (region == 0)] = 1
    np.testing.assert_array_equal(mask, expected)
    assert (mask[10:12, 3:6] == 2).all()  # never overwritten
    assert not (mask == 2)[15:26, 22:34].any()  # the disc is not accepted
    assert pre.pending(mask, pre.component_at(28, 20)) and not pre.pending(mask, rect)
    assert pre.accept(mask, rect) is None  # nothing left to add
    edit.revert(mask)
    np.testing.assert_array_equal(mask, before)


def test_accept_all_is_one_edit_over_background_only():
    pre = PreLabels.from_probs(two_blobs(), [1, 2])
    mask = np.zeros((H, W), np.uint8)
    mask[18:23, 25:31] = 1  # a label of another class inside the disc
    before = mask.copy()
    edit = pre.accept_all(mask)
    np.testing.assert_array_equal(mask, np.where(before == 0, pre.to_mask(), before))
    edit.revert(mask)
    np.testing.assert_array_equal(mask, before)
    assert PreLabels.from_mask(np.zeros((4, 4), np.uint8)).accept_all(mask) is None
    with pytest.raises(ValueError, match="40 x 30"):
        pre.accept_all(np.zeros((4, 4), np.uint8))


def test_accept_tool_clicks_the_component_of_the_document():
    doc = MaskDocument(np.zeros((H, W), np.uint8))
    tool = make_tool(ToolMode.ACCEPT, doc)
    assert tool.press((5.5, 5.5)).edit is None  # no pre-labels: nothing
    doc.prelabels = PreLabels.from_probs(two_blobs(), [1, 2])
    result = tool.press((28.5, 20.5))
    assert result.edit is not None and result.dirty == result.edit.bbox
    disc = doc.prelabels.component_at(28, 20)
    np.testing.assert_array_equal(doc.mask == 2, doc.prelabels.to_mask() == 2)
    assert result.edit.count == disc.area
    assert tool.press((0.5, 0.5)).edit is None  # off every pre-label


def test_specks_below_the_floor_are_not_offered():
    from app.core.prelabel import PreLabels

    mask = np.zeros((30, 30), np.uint8)
    mask[2:4, 2:4] = 1  # 4 px: a speck
    mask[10:15, 10:15] = 1  # 25 px
    mask[20:22, 20:30] = 2  # 20 px
    everything = PreLabels.from_mask(mask)
    assert sorted(c.area for c in everything) == [4, 20, 25]
    kept = PreLabels.from_mask(mask, min_pixels=16)
    assert sorted((c.class_value, c.area) for c in kept) == [(1, 25), (2, 20)]
    assert [c.index for c in kept] == [0, 1]  # indices stay positions in the list
