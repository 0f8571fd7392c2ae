"""COCO codec: one RLE annotation per 8-connected component per class; foreign files read."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from app.core.interchange import DatasetError, coco_format, rle
from tests.support.polygons import TRICKY


def paint_all(anns, shape):
    canvas = np.zeros(shape, np.uint8, order="F")
    for a in anns:
        coco_format._paint(canvas, a, a["category_id"], "test")
    return np.ascontiguousarray(canvas)


def test_one_annotation_per_component_per_class():
    mask = np.zeros((8, 10), np.uint8)
    mask[1, 1] = mask[2, 2] = mask[3, 3] = 1  # diagonal-only: one 8-connected component
    mask[6:8, 7:10] = 1
    mask[0:2, 6:9] = 2
    anns = coco_format.mask_annotations(mask)
    assert [(a["category_id"], a["area"], a["bbox"]) for a in anns] == [
        (1, 3, [1, 1, 3, 3]), (1, 6, [7, 6, 3, 2]), (2, 6, [6, 0, 3, 2])]
    assert all(a["iscrowd"] == 0 and a["segmentation"]["size"] == [8, 10] for a in anns)
    first = np.zeros((8, 10), bool)
    first[1, 1] = first[2, 2] = first[3, 3] = True
    assert np.array_equal(rle.decode(rle.from_string(anns[0]["segmentation"]["counts"]),
                                     (8, 10)), first)


def test_a_component_with_a_hole_is_one_exact_annotation():
    mask = TRICKY["nested_islands"]
    anns = coco_format.mask_annotations(mask)
    assert [a["category_id"] for a in anns] == [1, 1, 2]
    assert np.array_equal(paint_all(anns, mask.shape), mask)


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_masks_come_back_exactly(name):
    mask = TRICKY[name]
    assert np.array_equal(paint_all(coco_format.mask_annotations(mask), mask.shape), mask)


@settings(max_examples=150, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 14), st.integers(1, 14)),
              elements=st.sampled_from([0, 0, 1, 2, 200])))
def test_any_mask_comes_back_exactly(mask):
    anns = coco_format.mask_annotations(mask)
    assert sum(a["area"] for a in anns) == int((mask > 0).sum())
    assert np.array_equal(paint_all(anns, mask.shape), mask)


def write(tmp_path, doc, name="instances.json"):
    (tmp_path / name).write_text(json.dumps(doc))
    return coco_format.read_dataset(tmp_path / name)


FOREIGN = {
    "images": [{"id": 7, "file_name": "a.jpg", "width": 6, "height": 4},
               {"id": 8, "file_name": "b.jpg", "width": 6, "height": 4}],
    "categories": [{"id": 1000, "name": "scratch"}, {"id": 3, "name": " dent "}],
    "annotations": [
        {"id": 1, "image_id": 7, "category_id": 1000, "iscrowd": 0,
         "segmentation": [[0, 0, 2, 0, 2, 1, 0, 1]]},
        {"id": 2, "image_id": 7, "category_id": 3, "iscrowd": 1,  # uncompressed, crowd
         "segmentation": {"size": [4, 6], "counts": [20, 2, 2]}},
    ],
}


def test_foreign_files_with_polygons_list_rle_and_big_ids(tmp_path):
    ds = write(tmp_path, FOREIGN)
    assert [(c.value, c.name) for c in ds.classes] == [(1, "scratch"), (2, "dent")]
    a, b = ds.items
    mask = a.mask((4, 6))
    expected = np.zeros((4, 6), np.uint8)
    expected[0:2, 0:3] = 1
    expected[0:2, 5] = 2  # column-major: pixels 20, 21 are rows 0-1 of column 5
    assert np.array_equal(mask, expected)
    # listed without annotations: a labeled negative, not a good part unless flagged
    assert not b.mask((4, 6)).any() and not b.meta.good


def test_size_must_match_the_image(tmp_path):
    (a, _) = write(tmp_path, FOREIGN).items
    with pytest.raises(DatasetError, match="listed as 6 x 4"):
        a.mask((5, 6))


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["annotations"][0].update(image_id=99), "not listed"),
    (lambda d: d["annotations"][0].update(category_id=5), "unknown or missing category_id"),
    (lambda d: d["images"][0].update(file_name="../a.jpg"), "leads outside"),
    (lambda d: d["images"][1].update(id=7), "repeated 'id'"),
    (lambda d: d.pop("images"), "no 'images' list"),
    (lambda d: d["categories"].append({"id": 4, "name": "dent"}), "listed twice"),
])
def test_bad_files_are_refused_at_read(tmp_path, change, message):
    doc = json.loads(json.dumps(FOREIGN))
    change(doc)
    with pytest.raises(DatasetError, match=message):
        write(tmp_path, doc)


@pytest.mark.parametrize("seg", [
    {"size": [4, 6], "counts": [20, 2]},  # does not cover 24 pixels
    {"size": [4, 6], "counts": "0T3"},
    {"size": [4, 5], "counts": [20]},
    [[0, 0, 1]],
    "nonsense",
])
def test_bad_segmentations_are_refused_at_decode(tmp_path, seg):
    doc = json.loads(json.dumps(FOREIGN))
    doc["annotations"][1]["segmentation"] = seg
    (a, _) = write(tmp_path, doc).items
    with pytest.raises(DatasetError):
        a.mask((4, 6))
