"""Which paths an import accepts, how exports name and reference files."""

import os
from pathlib import Path

import pytest

from app.core.interchange import DatasetError
from app.core.interchange.paths import export_names, image_ref, resolve_ref


@pytest.fixture
def root(tmp_path):
    (tmp_path / "set" / "sub").mkdir(parents=True)
    return tmp_path / "set"


def test_relative_paths_inside_are_resolved(root):
    assert resolve_ref("sub/a.png", root, what="mask") == root / "sub" / "a.png"
    # ".." is fine while it stays inside (labelme: relative to the JSON's own folder)
    assert resolve_ref("../b.jpg", root, root / "sub", what="image") == root / "b.jpg"


@pytest.mark.parametrize("ref", ["../outside.png", "sub/../../outside.png", "..",
                                 "..\\outside.png", "sub\\..\\..\\x.png"])
def test_escapes_are_refused(root, ref):
    with pytest.raises(DatasetError, match="leads outside the dataset folder"):
        resolve_ref(ref, root, what="image", absolute_ok=True)


def test_escape_from_a_subfolder_base_is_refused(root):
    with pytest.raises(DatasetError, match="leads outside"):
        resolve_ref("../../x.jpg", root, root / "sub", what="image")


def test_absolute_paths_only_for_images(root, tmp_path):
    elsewhere = str(tmp_path / "images" / "a.jpg")
    assert resolve_ref(elsewhere, root, what="image", absolute_ok=True) == Path(elsewhere)
    with pytest.raises(DatasetError, match="absolute path .* refused"):
        resolve_ref(elsewhere, root, what="mask")
    with pytest.raises(DatasetError, match="refused"):
        resolve_ref("C:\\data\\m.png", root, what="mask")


@pytest.mark.skipif(os.name == "nt", reason="POSIX paths")
def test_a_windows_absolute_path_is_not_taken_as_relative(root):
    with pytest.raises(DatasetError, match="not an absolute path on this system"):
        resolve_ref("C:\\data\\a.jpg", root, what="image", absolute_ok=True)


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_a_symlink_leading_out_is_refused(root, tmp_path):
    (tmp_path / "secret.png").write_bytes(b"x")
    (root / "link.png").symlink_to(tmp_path / "secret.png")
    with pytest.raises(DatasetError, match="leads outside"):
        resolve_ref("link.png", root, what="mask")


@pytest.mark.parametrize("ref", [None, "", "  ", 3, "a\0b"])
def test_missing_or_odd_paths_are_refused(root, ref):
    with pytest.raises(DatasetError):
        resolve_ref(ref, root, what="image", absolute_ok=True)


def test_image_ref_is_relative_inside_and_absolute_outside(tmp_path):
    out = tmp_path / "out"
    assert image_ref(out / "images" / "a.jpg", out) == "images/a.jpg"
    assert image_ref(out / "a.jpg", out, out / "sub") == "../a.jpg"
    assert image_ref(tmp_path / "data" / "a.jpg", out) == str(tmp_path / "data" / "a.jpg")


def test_export_names_strip_shared_folders_and_parent_steps():
    rels = ["../../data/MT_Crack/Imgs/a.jpg", "../../data/MT_Free/Imgs/b.jpg"]
    assert export_names(rels) == ["MT_Crack/Imgs/a", "MT_Free/Imgs/b"]
    assert export_names(["../x/a.png"]) == ["a"]


def test_export_names_never_clash():
    names = export_names(["d/a.jpg", "d/a.png", "d/A.bmp", "e/a.jpg", "d/classes.png"],
                         reserved=["classes"])
    assert names == ["d/a", "d/a-2", "d/A-3", "e/a", "d/classes"]
    assert export_names(["classes.png", "x.png"], reserved=["classes"])[0] == "classes-2"
    assert len({n.lower() for n in names}) == len(names)


def test_export_names_are_never_hidden():
    assert export_names(["x/.cache/a.png", "x/b/.c.png"]) == ["_cache/a", "b/_c"]
