"""labelme files: reading, shape types, draw order and holes."""

import json

import cv2
import numpy as np
import pytest

from app.core.labelme import LabelmeError, rasterize, read_labelme

SQUARE = [[2, 2], [17, 2], [17, 17], [2, 17]]
INNER = [[6, 6], [12, 6], [12, 12], [6, 12]]


def write(tmp_path, shapes, size=(20, 24), **extra):
    h, w = size
    doc = {"version": "5.4.1", "shapes": [
        {"label": label, "points": pts, "shape_type": kind, "group_id": None, "flags": {}}
        for label, kind, pts in shapes], "imageHeight": h, "imageWidth": w, **extra}
    p = tmp_path / "a.json"
    p.write_text(json.dumps(doc))
    return p


def test_polygon_matches_fillpoly(tmp_path):
    pts = [[3.4, 2.6], [18.5, 4.0], [10.2, 15.7]]
    doc = read_labelme(write(tmp_path, [("crack", "polygon", pts)]))
    expected = np.zeros((20, 24), np.uint8)
    cv2.fillPoly(expected, [np.rint(np.array(pts)).astype(np.int32)], 7)
    assert np.array_equal(rasterize(doc, (20, 24), {"crack": 7}), expected)
    assert (doc.width, doc.height) == (24, 20)


def test_background_shape_drawn_later_cuts_a_hole(tmp_path):
    doc = read_labelme(write(tmp_path, [("dent", "polygon", SQUARE),
                                        ("_background_", "polygon", INNER)]))
    mask = rasterize(doc, (20, 24), {"dent": 1})
    assert mask[2:18, 2:18].sum() == 16 * 16 - 7 * 7
    assert mask[6:13, 6:13].max() == 0
    assert doc.labels() == ["dent"]


def test_later_shapes_paint_over_earlier_ones(tmp_path):
    doc = read_labelme(write(tmp_path, [("dent", "polygon", SQUARE),
                                        ("crack", "polygon", INNER)]))
    mask = rasterize(doc, (20, 24), {"dent": 1, "crack": 2})
    assert np.bincount(mask.ravel()).tolist() == [20 * 24 - 256, 256 - 49, 49]
    assert doc.labels() == ["dent", "crack"]


def test_rectangle_circle_and_ignored_types(tmp_path):
    doc = read_labelme(write(tmp_path, [
        ("a", "rectangle", [[10, 8], [3, 2]]),  # corners in any order, inclusive
        ("b", "circle", [[18, 14], [18, 17]]),
        ("c", "line", [[0, 0], [5, 5]]),
        ("d", "point", [[1, 1]]),
        ("e", "polygon", [[0, 0], [3, 3]]),  # two points: no area
    ]))
    mask = rasterize(doc, (20, 24), {"a": 1, "b": 2})
    assert (mask == 1).sum() == 8 * 7
    expected = np.zeros((20, 24), np.uint8)
    cv2.circle(expected, (18, 14), 3, 2, thickness=-1)
    assert np.array_equal(mask == 2, expected == 2)
    assert doc.ignored == 3 and doc.labels() == ["a", "b"]


@pytest.mark.parametrize("text, words", [
    ("{not json", "not valid JSON"),
    ('{"version": "5"}', "no 'shapes' list"),
    ('{"shapes": [{"label": "a", "points": [[1]]}]}', "malformed"),
    ('{"shapes": [{"label": "a", "points": [[1, NaN], [2, 2], [3, 1]]}]}', "finite"),
])
def test_bad_files_raise_with_a_reason(tmp_path, text, words):
    p = tmp_path / "bad.json"
    p.write_text(text)
    with pytest.raises(LabelmeError, match=words):
        read_labelme(p)
