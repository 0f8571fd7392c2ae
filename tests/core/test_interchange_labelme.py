"""labelme codec: every mask pixel back exactly, via polygons or the exact copy; edits win."""

import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from app.core.interchange import ClassSpec, DatasetError, ExportItem, ImageMeta, labelme_format
from app.core.interchange import polygons as polygons_module
from tests.support.polygons import TRICKY, self_reaching_hole

NAMES = {v: f"class{v}" for v in range(1, 256)}


def item(mask, meta=None):
    h, w = (mask.shape if mask is not None else (4, 5))
    return ExportItem(Path("/data/part.png"), "part", "ab" * 32, w, h, mask, meta or ImageMeta())


def round_trip(doc, folder: Path, size):
    (folder / "part.json").write_text(json.dumps(doc))
    ds = labelme_format.read_dataset(folder)
    (it,) = ds.items
    values = {c.name: c.value for c in ds.classes}
    return it, ds, it.mask(size), values


def decode(mask, folder):
    doc = labelme_format.encode(item(mask), NAMES, "part.png")
    _, ds, back, values = round_trip(doc, folder, mask.shape)
    return doc, back, values


def as_names(mask, names):
    """Pixel -> class name, so masks from differently numbered class lists compare."""
    lut = np.array([names.get(v, "") for v in range(256)], object)
    return lut[mask]


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_masks_come_back_exactly(name, tmp_path):
    mask = TRICKY[name]
    doc, back, values = decode(mask, tmp_path)
    assert labelme_format.RLE_KEY not in doc  # the polygons alone suffice here
    assert np.array_equal(as_names(back, {v: n for n, v in values.items()}),
                          as_names(mask, NAMES))


@settings(max_examples=120, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 12), st.integers(1, 12)),
              elements=st.sampled_from([0, 0, 1, 2, 7])))
def test_any_mask_comes_back_exactly(mask):
    with tempfile.TemporaryDirectory() as d:
        _, back, values = decode(mask, Path(d))
    assert np.array_equal(as_names(back, {v: n for n, v in values.items()}),
                          as_names(mask, NAMES))


def test_the_shapes_are_plain_labelme_polygons(tmp_path):
    mask = TRICKY["nested_islands"]
    doc = labelme_format.encode(item(mask), NAMES, "part.png")
    assert doc["imageHeight"] == 24 and doc["imageWidth"] == 32 and doc["imageData"] is None
    assert [s["label"] for s in doc["shapes"]] == [
        "class1", "_background_", "class2", "_background_", "class1"]
    for s in doc["shapes"]:
        assert s["shape_type"] == "polygon" and len(s["points"]) >= 3
        assert all(isinstance(v, int) for p in s["points"] for v in p)


@pytest.fixture
def one_round(monkeypatch):
    """Polygons that are not exact: to_layers without its repair rounds."""
    monkeypatch.setattr(labelme_format, "to_layers",
                        lambda m: polygons_module.to_layers(m, max_rounds=1))


def test_inexact_polygons_get_an_exact_copy(tmp_path, one_round):
    mask = self_reaching_hole() * 3
    doc, back, values = decode(mask, tmp_path)
    assert set(doc[labelme_format.RLE_KEY]["counts"]) == {"class3"}
    assert np.array_equal(back == values["class3"], mask == 3)


def test_shapes_edited_after_export_win_over_the_exact_copy(tmp_path, one_round):
    mask = self_reaching_hole()
    doc = labelme_format.encode(item(mask), NAMES, "part.png")
    doc["shapes"] = doc["shapes"][:1]
    doc["shapes"][0]["points"] = [[0, 0], [3, 0], [3, 3], [0, 3]]  # labelme writes floats too
    _, ds, back, values = round_trip(doc, tmp_path, mask.shape)
    assert any("edited after export" in w for w in ds.warnings)
    expected = np.zeros_like(mask)
    expected[0:4, 0:4] = values["class1"]
    assert np.array_equal(back, expected)


def test_a_labelme_resave_keeps_the_exact_copy(tmp_path, one_round):
    mask = self_reaching_hole()
    doc = labelme_format.encode(item(mask), NAMES, "part.png")
    for s in doc["shapes"]:  # what labelme does on save: float points, extra keys
        s["points"] = [[float(x), float(y)] for x, y in s["points"]]
        s["group_id"], s["description"] = None, None
    _, ds, back, _ = round_trip(doc, tmp_path, mask.shape)
    assert ds.warnings == [] and np.array_equal(back > 0, mask > 0)


def test_unlabeled_good_and_facts_survive(tmp_path):
    meta = ImageMeta(good=True, split="val", status="labeled", source_class="Free")
    doc = labelme_format.encode(item(None, meta=meta), NAMES, "part.png")
    it, _, back, _ = round_trip(doc, tmp_path, (4, 5))
    assert back is None and it.meta == meta and it.sha256 == "ab" * 32
    doc = labelme_format.encode(item(np.zeros((4, 5), np.uint8)), NAMES, "part.png")
    _, _, back, _ = round_trip(doc, tmp_path, (4, 5))
    assert back is not None and not back.any()


def test_class_names_meaning_holes_are_refused(tmp_path):
    with pytest.raises(DatasetError, match="_background_"):
        labelme_format.LabelmeWriter(tmp_path, [ClassSpec(1, "_background_")])


def test_foreign_files_read_with_labels_in_first_use_order(tmp_path):
    doc = {"shapes": [
        {"label": "scratch", "shape_type": "rectangle", "points": [[1, 1], [3, 2]]},
        {"label": "", "shape_type": "polygon", "points": [[5, 5], [7, 5], [7, 7]]},
        {"label": "dent", "shape_type": "line", "points": [[0, 0], [4, 4]]},
    ], "imagePath": "part.png", "imageHeight": 10, "imageWidth": 10}
    (tmp_path / "notes.json").write_text('{"not": "labelme"}')
    it, ds, back, values = round_trip(doc, tmp_path, (10, 10))
    assert [(c.value, c.name) for c in ds.classes] == [(1, "scratch"), (2, "defect")]
    assert back[1:3, 1:4].tolist() == [[1] * 3] * 2 and back[6, 6] == 2
    assert any("notes.json: not a labelme file" in w for w in ds.warnings)
    assert any("1 shape(s) without an area" in w for w in ds.warnings)


def test_paths_leading_out_are_refused(tmp_path):
    doc = {"shapes": [], "imagePath": "../../etc/part.png"}
    with pytest.raises(DatasetError, match="leads outside"):
        round_trip(doc, tmp_path, (4, 5))


def test_size_mismatch_is_refused(tmp_path):
    doc = labelme_format.encode(item(np.zeros((4, 5), np.uint8)), NAMES, "part.png")
    it, *_ = round_trip(doc, tmp_path, (4, 5))
    with pytest.raises(DatasetError, match="is for a 5 x 4 image"):
        it.mask((5, 5))
