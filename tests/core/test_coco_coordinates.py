"""A COCO polygon with absurd coordinates (the probe: 1e308 marked the whole image as defect)
is refused with its annotation id; coordinates a little outside the image still clip."""

import json

import pytest

from app.core.interchange import DatasetError, coco_format

DOC = {
    "images": [{"id": 7, "file_name": "a.jpg", "width": 6, "height": 4}],
    "categories": [{"id": 1, "name": "scratch"}],
    "annotations": [{"id": 41, "image_id": 7, "category_id": 1, "iscrowd": 0,
                     "segmentation": [[0, 0, 2, 0, 2, 1, 0, 1]]}],
}


def read_with(tmp_path, polygon):
    doc = json.loads(json.dumps(DOC))
    doc["annotations"][0]["segmentation"] = [polygon]
    (tmp_path / "instances.json").write_text(json.dumps(doc))
    (item,) = coco_format.read_dataset(tmp_path / "instances.json").items
    return item


@pytest.mark.parametrize("polygon", [[0, 0, 1e308, 0, 1e308, 1e308, 0, 1e308],
                                     [0, 0, -1e9, 0, 2, 3]])
def test_absurd_coordinates_are_refused_with_the_annotation_id(tmp_path, polygon):
    item = read_with(tmp_path, polygon)
    with pytest.raises(DatasetError, match=r"annotation 41: a polygon coordinate .* lies far "
                                           r"outside the 6 x 4 image"):
        item.mask((4, 6))


def test_coordinates_a_little_outside_still_clip(tmp_path):
    item = read_with(tmp_path, [-2, -2, 8, -2, 8, 1, -2, 1])
    mask = item.mask((4, 6))
    assert mask[:2].all() and not mask[2:].any()
