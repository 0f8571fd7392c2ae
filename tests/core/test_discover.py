"""Pairing rules of app.core.discover, on trees of empty files (discovery reads no pixels)."""

import re

import pytest

from app.core.discover import classify_folder, discover


def touch(root, *names):
    for name in names:
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"")


def pairs(found, root):
    return {c.image.relative_to(root).as_posix():
            c.mask.relative_to(root).as_posix() if c.mask else None for c in found.candidates}


def reasons(found, root):
    return {s.path.relative_to(root).as_posix(): s.reason for s in found.skipped}


def test_magnetic_tile_layout_png_beside_jpg_is_its_mask(tmp_path):
    touch(tmp_path, "MT_Crack/Imgs/a.jpg", "MT_Crack/Imgs/a.png", "MT_Free/Imgs/b.jpg",
          "MT_Free/Imgs/b.png", "README.md")
    found = discover(tmp_path, class_pattern=r"MT_(\w+)")
    assert pairs(found, tmp_path) == {"MT_Crack/Imgs/a.jpg": "MT_Crack/Imgs/a.png",
                                      "MT_Free/Imgs/b.jpg": "MT_Free/Imgs/b.png"}
    by_name = {c.image.name: c for c in found.candidates}
    assert (by_name["a.jpg"].folder_class, by_name["a.jpg"].is_good) == ("Crack", False)
    assert (by_name["b.jpg"].folder_class, by_name["b.jpg"].is_good) == ("Free", True)
    assert reasons(found, tmp_path) == {"README.md": "not an image file (.md)"}


def test_png_alone_is_an_image_and_suffix_files_are_masks(tmp_path):
    touch(tmp_path, "x.png", "x_mask.png", "y.tif", "y_GT.bmp", "z.png", "orphan_mask.png")
    found = discover(tmp_path)
    assert pairs(found, tmp_path) == {"x.png": "x_mask.png", "y.tif": "y_GT.bmp", "z.png": None}
    assert "no image named orphan.*" in reasons(found, tmp_path)["orphan_mask.png"]


def test_labelme_json_beside_image(tmp_path):
    touch(tmp_path, "a.jpg", "a.json", "lonely.json")
    found = discover(tmp_path)
    assert pairs(found, tmp_path) == {"a.jpg": "a.json"}
    assert found.candidates[0].mask_is_labelme
    assert "no image of the same name" in reasons(found, tmp_path)["lonely.json"]


def test_one_mask_wins_and_the_others_are_listed(tmp_path):
    touch(tmp_path, "a.jpg", "a.png", "a_mask.png", "a.json")
    found = discover(tmp_path)
    assert pairs(found, tmp_path) == {"a.jpg": "a_mask.png"}
    r = reasons(found, tmp_path)
    assert r["a.png"] == r["a.json"] == "not used: a.jpg takes its mask from a_mask.png"


def test_masks_folder_same_layout_or_unique_stem(tmp_path):
    imgs, masks = tmp_path / "imgs", tmp_path / "gt"
    touch(imgs, "crack/1.png", "crack/2.png", "dent/3.jpg", "dent/4.jpg")
    touch(masks, "crack/1_mask.png", "flat/2.png", "elsewhere/3.json", "stray.png")
    found = discover(imgs, masks_dir=masks)
    got = {c.image.name: c.mask.relative_to(masks).as_posix() if c.mask else None
           for c in found.candidates}
    assert got == {"1.png": "crack/1_mask.png", "2.png": "flat/2.png", "3.jpg": "elsewhere/3.json",
                   "4.jpg": None}
    assert [s.reason for s in found.skipped] == ["no image of this name for this mask"]


def test_masks_folder_wins_over_beside_and_is_not_walked_for_images(tmp_path):
    touch(tmp_path, "a.jpg", "a.png", "masks/a.png", "masks/b.png")
    found = discover(tmp_path, masks_dir=tmp_path / "masks")
    assert pairs(found, tmp_path) == {"a.jpg": "masks/a.png"}
    r = reasons(found, tmp_path)
    assert r["a.png"].startswith("not used")
    assert r["masks/b.png"] == "no image of this name for this mask"


def test_ambiguous_stem_in_masks_folder_is_not_guessed(tmp_path):
    imgs, masks = tmp_path / "imgs", tmp_path / "gt"
    touch(imgs, "a.png")
    touch(masks, "one/a.png", "two/a.png")
    assert discover(imgs, masks_dir=masks).candidates[0].mask is None


def test_clutter_is_ignored_silently(tmp_path):
    touch(tmp_path, ".hidden.png", ".cache/x.png", "Thumbs.db", "p.dsproj", "p.dsproj.lock",
          "P.DSPROJ-wal", "a.JPG")
    found = discover(tmp_path)
    assert pairs(found, tmp_path) == {"a.JPG": None}
    assert found.skipped == []


def test_results_are_sorted_and_reproducible(tmp_path):
    touch(tmp_path, "b/2.png", "a/9.png", "a/10.png", "c.png")
    names = [c.image.relative_to(tmp_path).as_posix() for c in discover(tmp_path).candidates]
    assert names == ["c.png", "a/10.png", "a/9.png", "b/2.png"]  # folder by folder, sorted


@pytest.mark.parametrize("names, pattern, expected", [
    (["Imgs", "MT_Blowhole", "data"], r"MT_(\w+)", ("Blowhole", False)),
    (["Imgs", "MT_Free"], r"MT_(\w+)", ("Free", True)),
    (["crack", "test"], r"crack|dent", ("crack", False)),  # no group: the whole name
    (["good", "test"], None, (None, True)),
    (["OK"], None, (None, True)),
    (["scratches"], r"MT_(\w+)", (None, False)),
    (["xMT_a"], r"MT_(\w+)", (None, False)),  # fullmatch, not search
    (["MT_"], r"MT_(\w*)", (None, False)),  # an empty class name is no class
])
def test_classify_folder(names, pattern, expected):
    good = {"free", "good", "ok"}
    assert classify_folder(names, re.compile(pattern) if pattern else None, good) == expected


def test_nearest_folder_wins_and_root_name_counts(tmp_path):
    touch(tmp_path / "MT_Crack", "MT_Dent/x.png", "y.png")
    found = discover(tmp_path / "MT_Crack", class_pattern=r"MT_(\w+)")
    assert {c.image.name: c.folder_class for c in found.candidates} == {"x.png": "Dent",
                                                                        "y.png": "Crack"}


def test_custom_good_names(tmp_path):
    touch(tmp_path, "pass/a.png", "good/b.png")
    found = discover(tmp_path, good_names=["pass"])
    assert {c.image.name: c.is_good for c in found.candidates} == {"a.png": True, "b.png": False}


def test_missing_folder_raises(tmp_path):
    with pytest.raises(NotADirectoryError):
        discover(tmp_path / "nope")
    with pytest.raises(NotADirectoryError):
        discover(tmp_path, masks_dir=tmp_path / "nope")


@pytest.mark.parametrize(("names", "expected"), [
    (["crack", "lot"], ("crack", False)),            # lot/crack/x.png
    (["Imgs", "MT_Crack", "lot"], ("MT_Crack", False)),  # magnetic-tile layout
    (["crack", "test", "mvtec"], ("crack", False)),
    (["good", "train", "bottle"], ("good", True)),    # a good folder still marks good parts
    (["images", "Train", "IMAGES", "lot"], ("lot", False)),
])
def test_class_from_folder_name_without_a_regex(names, expected):
    from app.core.discover import FOLDER_NAME_PATTERN

    assert classify_folder(names, re.compile(FOLDER_NAME_PATTERN), {"good", "ok"}) == expected
