"""import_folder end to end: pairing, classes, masks, bad files, re-import, cancel, atomicity."""

import json
import struct
import zlib

import cv2
import numpy as np
import pytest

from app.core.imageio import load_mask_png
from app.jobs.context import Canceled, JobContext
from app.jobs.importing import ImportOptions, import_folder
from app.store import Project, ReadOnlyError
from app.store import import_repo as import_repo_module

MT = ImportOptions(class_pattern=r"MT_(\w+)")


def write_image(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), array)
    return path


def gray(h=30, w=40, value=100, dtype=np.uint8):
    return np.full((h, w), value, dtype)


def binary_mask(h=30, w=40, box=(5, 5, 15, 12)):
    """Anti-aliased like magnetic tile: a 255 box with a ring of faint (< 128) pixels."""
    m = np.zeros((h, w), np.uint8)
    x0, y0, x1, y1 = box
    m[y0 - 1:y1 + 1, x0 - 1:x1 + 1] = 90
    m[y0:y1, x0:x1] = 255
    return m


def png_header_only(width, height):
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return b"\x89PNG\r\n\x1a\n" + chunk


def snapshot(project):
    """What an import may change: images, classes, masks, audit trail."""
    return (project.images.list(), project.classes.list(), project.masks.defect_summary(),
            len(project.audit.list()))


def reasons(report, root):
    return {s.path.relative_to(root).as_posix(): s.reason for s in report.skipped}


# --- the shared magnetic-tile set ----------------------------------------------------------

def test_magnetic_tile_full_set(project, magnetic_tile):
    report = import_folder(project, magnetic_tile, MT)

    files = {d.name[3:]: sorted((d / "Imgs").glob("*.jpg")) for d in magnetic_tile.glob("MT_*")}
    rows = project.images.list()
    assert len(report.added) == len(rows) == sum(map(len, files.values()))
    per_folder = {}
    for row in rows:
        per_folder[row.source_class] = per_folder.get(row.source_class, 0) + 1
    assert per_folder == {k: len(v) for k, v in files.items()}
    assert report.classes_created == sorted(k for k in files if k != "Free")
    assert report.good == len(files["Free"])

    values = {c.name: c.value for c in project.classes.list()}
    summary = project.masks.defect_summary()
    for row in rows:
        mask = project.masks.load(row.id)
        expected = load_mask_png(project.images.abspath(row).with_suffix(".png")) >= 128
        if row.source_class == "Free":
            assert row.is_good and row.status == "labeled" and not mask.any()
            continue
        assert not row.is_good
        assert np.array_equal(mask > 0, expected), row.rel_path
        assert set(np.unique(mask)) <= {0, values[row.source_class]}
        assert summary[row.id][0] == int(expected.sum())
        assert row.status == ("labeled" if expected.any() else "in_progress")
    assert len(report.to_review) == 3  # three Uneven masks in the set are all zero
    assert [r.source for r in project.masks.revisions(rows[0].id)] == ["import"]

    again = import_folder(project, magnetic_tile, MT)
    assert again.added == [] and len(again.already_present) == len(rows)
    assert len(project.images.list()) == len(rows)


# --- formats ---------------------------------------------------------------------------------

def test_bit_depth_and_channels(project, tmp_path):
    rng = np.random.default_rng(1)
    write_image(tmp_path / "g16.tif", rng.integers(0, 65535, (30, 40), dtype=np.uint16))
    write_image(tmp_path / "c16.tif", rng.integers(0, 65535, (30, 40, 3), dtype=np.uint16))
    write_image(tmp_path / "c8.bmp", rng.integers(0, 255, (30, 40, 3), dtype=np.uint8))
    write_image(tmp_path / "g8.jpg", gray())
    write_image(tmp_path / "c8.jpeg", rng.integers(0, 255, (30, 40, 3), dtype=np.uint8))
    report = import_folder(project, tmp_path)
    assert report.skipped == [] and report.unlabeled == 5
    got = {r.name: (r.bit_depth, r.channels, r.width, r.height, r.status)
           for r in project.images.list()}
    assert got == {"c16.tif": (16, 3, 40, 30, "unlabeled"), "c8.bmp": (8, 3, 40, 30, "unlabeled"),
                   "c8.jpeg": (8, 3, 40, 30, "unlabeled"), "g16.tif": (16, 1, 40, 30, "unlabeled"),
                   "g8.jpg": (8, 1, 40, 30, "unlabeled")}


@pytest.mark.slow
def test_50_megapixel_image_with_mask(project, tmp_path):
    h, w = 6000, 8400  # 50.4 MP
    write_image(tmp_path / "big.jpg", gray(h, w))
    write_image(tmp_path / "big.png", binary_mask(h, w, (4000, 3000, 4100, 3050)))
    report = import_folder(project, tmp_path, ImportOptions(workers=1))
    assert len(report.added) == 1
    assert int((project.masks.load(report.added[0]) > 0).sum()) == 100 * 50


# --- masks and classes -----------------------------------------------------------------------

def test_labelme_polygons_with_a_hole(project, tmp_path):
    write_image(tmp_path / "a.png", gray(20, 24))
    square, inner = [[2, 2], [17, 2], [17, 17], [2, 17]], [[6, 6], [12, 6], [12, 12], [6, 12]]
    shapes = [{"label": "scratch", "points": square, "shape_type": "polygon"},
              {"label": "_background_", "points": inner, "shape_type": "polygon"},
              {"label": "", "points": [[20, 0], [23, 3]], "shape_type": "rectangle"},
              {"label": "dent", "points": [[0, 19], [5, 19]], "shape_type": "line"}]
    (tmp_path / "a.json").write_text(json.dumps(
        {"shapes": shapes, "imageHeight": 20, "imageWidth": 24}))
    report = import_folder(project, tmp_path)
    values = {c.name: c.value for c in project.classes.list()}
    assert sorted(values) == ["defect", "scratch"]  # the unnamed rectangle: default class
    expected = np.zeros((20, 24), np.uint8)
    cv2.fillPoly(expected, [np.array(square, np.int32)], values["scratch"])
    cv2.fillPoly(expected, [np.array(inner, np.int32)], 0)
    expected[0:4, 20:24] = values["defect"]
    assert np.array_equal(project.masks.load(report.added[0]), expected)
    assert report.per_class == {"defect": 1, "scratch": 1}
    assert "1 labelme shape(s) without an area" in report.warnings[0]


def test_class_from_label_mask_value(project, tmp_path):
    write_image(tmp_path / "a.png", gray())
    label = np.zeros((30, 40), np.uint8)
    label[2:5, 2:6], label[10:20, 10:12] = 3, 7
    write_image(tmp_path / "a_mask.png", label)
    report = import_folder(project, tmp_path)
    values = {c.name: c.value for c in project.classes.list()}
    assert report.classes_created == ["class_3", "class_7"]
    mask = project.masks.load(report.added[0])
    assert np.array_equal(mask, np.select([label == 3, label == 7],
                                          [values["class_3"], values["class_7"]], 0))
    assert project.images.get(report.added[0]).status == "labeled"


def test_folder_class_names_every_defect_pixel(project, tmp_path):
    write_image(tmp_path / "MT_Dent/a.jpg", gray())
    write_image(tmp_path / "MT_Dent/a.png", np.array([[0, 1, 2, 0]] * 30, np.uint8).repeat(10, 1))
    write_image(tmp_path / "MT_Scratch/b.jpg", gray())
    write_image(tmp_path / "MT_Scratch/b.png", binary_mask())
    project.classes.add("Scratch")  # existing classes are reused, not duplicated
    report = import_folder(project, tmp_path, MT)
    values = {c.name: c.value for c in project.classes.list()}
    assert report.classes_created == ["Dent"] and report.per_class == {"Dent": 1, "Scratch": 1}
    a, b = (project.masks.load(i) for i in report.added)
    assert set(np.unique(a)) == {0, values["Dent"]} and (a > 0).sum() == 20 * 30
    assert (b == values["Scratch"]).sum() == 10 * 7 and (b > 0).sum() == 10 * 7


def test_good_parts_and_empty_masks(project, tmp_path):
    write_image(tmp_path / "good/nomask.png", gray())
    write_image(tmp_path / "ok/zero.jpg", gray())
    write_image(tmp_path / "ok/zero.png", np.zeros((30, 40), np.uint8))
    write_image(tmp_path / "good/conflict.jpg", gray())
    write_image(tmp_path / "good/conflict.png", binary_mask())
    write_image(tmp_path / "plain/empty.jpg", gray())
    write_image(tmp_path / "plain/empty.png", np.zeros((30, 40), np.uint8))
    write_image(tmp_path / "plain/nomask.bmp", gray())
    report = import_folder(project, tmp_path)
    rows = {r.rel_path: r for r in project.images.list()}
    assert {k: (r.is_good, r.status) for k, r in rows.items()} == {
        "good/nomask.png": (True, "labeled"), "ok/zero.jpg": (True, "labeled"),
        "plain/empty.jpg": (True, "labeled"),  # an empty mask and no folder class: good
        "plain/nomask.bmp": (False, "unlabeled")}
    for k in ("good/nomask.png", "ok/zero.jpg", "plain/empty.jpg"):
        assert project.masks.load(rows[k].id).shape == (30, 40)
        assert not project.masks.load(rows[k].id).any()
    assert project.masks.load(rows["plain/nomask.bmp"].id) is None
    assert "folder marks a good part" in reasons(report, tmp_path)["good/conflict.jpg"]
    assert (report.good, report.unlabeled, report.classes_created) == (3, 1, [])


def test_separate_masks_folder_with_suffix(project, tmp_path):
    write_image(tmp_path / "img/crack/1.png", gray())
    write_image(tmp_path / "gt/crack/1_mask.png", binary_mask())
    report = import_folder(project, tmp_path / "img",
                           ImportOptions(masks_dir=tmp_path / "gt", class_pattern="crack"))
    assert report.per_class == {"crack": 1}
    assert (project.masks.load(report.added[0]) > 0).sum() == 10 * 7


# --- bad inputs ------------------------------------------------------------------------------

def make_bad_files(root):
    ok, jpg = cv2.imencode(".jpg", np.random.default_rng(0).integers(0, 255, (60, 80), np.uint8))
    data = jpg.tobytes()
    (root / "zero.png").write_bytes(b"")
    (root / "truncated.jpg").write_bytes(data[:len(data) // 2])
    (root / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4)
    (root / "huge.png").write_bytes(png_header_only(100_000, 100_000))
    (root / "gif.png").write_bytes(b"GIF89a" + bytes(64))
    (root / "notes.txt").write_text("not an image")
    write_image(root / "wrong_size.jpg", gray())
    write_image(root / "wrong_size.png", np.zeros((10, 10), np.uint8))
    write_image(root / "colour.jpg", gray())
    write_image(root / "colour_mask.png", np.dstack([binary_mask(), gray(), gray(value=0)]))


EXPECTED_REASONS = {
    "zero.png": "empty (0 bytes)",
    "truncated.jpg": "truncated",
    "corrupt.jpg": "corrupt JPEG",
    "huge.png": "over the limit",
    "gif.png": "unsupported format",
    "notes.txt": "not an image file (.txt)",
    "wrong_size.jpg": "mask wrong_size.png is 10 x 10 but the image is 40 x 30",
    "colour.jpg": "colour image",
}


def test_bad_files_are_listed_and_change_nothing(project, tmp_path):
    make_bad_files(tmp_path)
    before = snapshot(project)
    report = import_folder(project, tmp_path)
    got = reasons(report, tmp_path)
    assert set(got) == set(EXPECTED_REASONS)
    for name, words in EXPECTED_REASONS.items():
        assert words in got[name], (name, got[name])
    assert report.added == [] and snapshot(project) == before


def test_good_files_beside_bad_ones_still_import(project, tmp_path):
    make_bad_files(tmp_path)
    write_image(tmp_path / "fine.jpg", gray())
    report = import_folder(project, tmp_path)
    assert [r.name for r in project.images.list()] == ["fine.jpg"]
    assert len(report.skipped) == len(EXPECTED_REASONS)


def test_pixel_limit_comes_from_the_project(project, tmp_path):
    write_image(tmp_path / "a.png", gray())  # 1200 pixels
    project.settings.set("max_image_pixels", 1000)
    report = import_folder(project, tmp_path)
    assert "over the limit of 0.0 MP" in report.skipped[0].reason and report.added == []


def test_read_only_project_refuses(tmp_path):
    Project.create(tmp_path / "p.dsproj").close()
    with Project.open(tmp_path / "p.dsproj", readonly=True) as p, pytest.raises(ReadOnlyError):
        import_folder(p, tmp_path)


# --- re-import, cancel, failure --------------------------------------------------------------

def labeled_folder(root):
    for i, cls in enumerate(["MT_Crack", "MT_Crack", "MT_Dent", "MT_Free"]):
        write_image(root / cls / f"{i}.jpg", gray(value=40 * i))
        write_image(root / cls / f"{i}.png", binary_mask() if cls != "MT_Free" else gray(value=0))
    return root


def test_reimport_adds_nothing(project, tmp_path):
    labeled_folder(tmp_path)
    first = import_folder(project, tmp_path, MT)
    before = snapshot(project)
    again = import_folder(project, tmp_path, MT)
    assert len(first.added) == 4 and again.added == [] and again.classes_created == []
    assert sorted(again.already_present) == sorted(r.rel_path for r in project.images.list())
    assert snapshot(project) == before


@pytest.mark.parametrize("phase", ["Checking", "Saving", "Writing"])
def test_cancel_writes_nothing(project, tmp_path, phase):
    labeled_folder(tmp_path)
    ctx = JobContext()
    ctx.progress_fn = lambda done, total, msg: msg.startswith(phase) and ctx.cancel()
    before = snapshot(project)[:3]
    with pytest.raises(Canceled):
        import_folder(project, tmp_path, MT, ctx)
    assert snapshot(project)[:3] == before  # the audit trail keeps the class add + delete


def test_failure_inside_the_write_rolls_everything_back(project, tmp_path, monkeypatch):
    labeled_folder(tmp_path)
    monkeypatch.setattr(import_repo_module, "CHUNK", 1)
    real, calls = import_repo_module.ImportRepo._insert, []

    def failing(*args):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(*args)

    monkeypatch.setattr(import_repo_module.ImportRepo, "_insert", staticmethod(failing))
    before = snapshot(project)[:3]
    with pytest.raises(OSError, match="disk full"):
        import_folder(project, tmp_path, MT)
    assert snapshot(project)[:3] == before
    monkeypatch.undo()
    assert len(import_folder(project, tmp_path, MT).added) == 4  # and it can be retried
