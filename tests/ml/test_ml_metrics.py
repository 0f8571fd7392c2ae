"""app.core.metrics against hand-computed cases."""

import math

import numpy as np
import pytest

from app.core.metrics import PartCounts, PixelCounts, is_defective, summarize


def test_pixel_metrics_by_hand():
    truth = np.array([[0, 0, 1, 1],
                      [0, 2, 2, 1]])
    pred = np.array([[0, 1, 1, 0],
                     [0, 2, 0, 1]])
    c = PixelCounts(3)
    c.add(truth, pred)
    # class 1: tp 2 (0,2),(1,3); fp 1 (0,1); fn 1 (0,3)
    # class 2: tp 1 (1,1); fp 0; fn 1 (1,2)
    # class 0: tp 2; fp 2 (0,3),(1,2); fn 1 (0,1)
    assert c.matrix.tolist() == [[2, 1, 0], [1, 2, 0], [1, 0, 1]]
    np.testing.assert_allclose(c.iou(), [2 / 5, 2 / 4, 1 / 2])
    np.testing.assert_allclose(c.dice(), [4 / 7, 4 / 6, 2 / 3])
    np.testing.assert_allclose(c.precision(), [2 / 4, 2 / 3, 1 / 1])
    np.testing.assert_allclose(c.recall(), [2 / 3, 2 / 3, 1 / 2])
    assert c.mean_iou() == pytest.approx((0.5 + 0.5) / 2)
    # any defect vs background: predicted defect pixels 4, true defect 5, both 3
    assert c.defect_precision_recall() == pytest.approx((3 / 4, 3 / 5))


def test_counts_accumulate_over_images():
    a, b = PixelCounts(2), PixelCounts(2)
    t1, p1 = np.array([1, 1, 0]), np.array([1, 0, 0])
    t2, p2 = np.array([0, 1]), np.array([1, 1])
    a.add(t1, p1)
    a.add(t2, p2)
    b.add(np.concatenate([t1, t2]), np.concatenate([p1, p2]))
    assert (a.matrix == b.matrix).all()
    assert a.iou()[1] == pytest.approx(2 / 4)


def test_absent_classes_and_errors():
    c = PixelCounts(3)
    c.add(np.zeros((2, 2), int), np.zeros((2, 2), int))
    assert math.isnan(c.iou()[1]) and c.mean_iou() == 1.0
    c.add(np.array([2]), np.array([0]))
    assert c.mean_iou() == 0.0  # class 2 occurs and is missed; class 1 still absent
    with pytest.raises(ValueError):
        c.add(np.array([3]), np.array([0]))
    with pytest.raises(ValueError):
        c.add(np.zeros(2, int), np.zeros(3, int))


def test_part_level():
    parts = PartCounts()
    for truth, pred in [(1, 1), (1, 1), (1, 0), (0, 0), (0, 0), (0, 0), (0, 1)]:
        parts.add(bool(truth), bool(pred))
    assert parts.parts == 7 and parts.escapes == 1
    assert parts.detection_recall() == pytest.approx(2 / 3)
    assert parts.escape_rate() == pytest.approx(1 / 3)
    assert parts.false_reject_rate() == pytest.approx(1 / 4)
    assert math.isnan(PartCounts().detection_recall())
    assert is_defective(np.array([[0, 3]])) and not is_defective(np.zeros((2, 2)))
    assert not is_defective(np.array([[0, 3]]), min_pixels=2)


def test_summary_is_json_ready():
    import json

    c = PixelCounts(3)
    c.add(np.array([0, 1, 1]), np.array([0, 1, 0]))
    p = PartCounts()
    p.add(True, True)
    s = summarize(c, p, [4, 9])
    assert s["iou"] == {"4": 0.5, "9": None}
    assert s["miou"] == 0.5 and s["detection_recall"] == 1.0 and s["false_reject_rate"] is None
    json.dumps(s, allow_nan=False)
