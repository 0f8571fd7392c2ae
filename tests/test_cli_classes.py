"""`defect-studio classes`: list, add, rename, recolor, move and delete, with what the store
holds.
"""

import hashlib

import cv2
import numpy as np
import pytest

from app.cli import main
from app.store import NewImage, Project


@pytest.fixture
def proj(tmp_path):
    path = tmp_path / "p.dsproj"
    img = tmp_path / "a.png"
    cv2.imwrite(str(img), np.full((10, 12), 80, np.uint8))
    data = img.read_bytes()
    with Project.create(path) as p:
        (image_id,) = p.images.add_many([NewImage(str(img), hashlib.sha256(data).hexdigest(),
                                                  len(data), 12, 10, 8, 1)]).added
    return path, image_id


def run(capsys, *args):
    rc = main(["classes", *map(str, args)])
    out, err = capsys.readouterr()
    return rc, out, err


def test_add_rename_recolor_move_list(proj, capsys):
    path, _ = proj
    assert run(capsys, path, "list")[1].startswith("No defect classes yet")
    rc, out, _ = run(capsys, path, "add", "crack", "--color", "#FF0000")
    assert rc == 0 and "Added class 'crack' (value 1, #ff0000, position 1)" in out
    assert run(capsys, path, "add", "pore")[0] == 0
    rc, out, _ = run(capsys, path, "rename", "pore", "porosity")
    assert rc == 0 and "Renamed class 'pore' to 'porosity'" in out
    rc, out, _ = run(capsys, path, "recolor", "porosity", "#00aaff")
    assert rc == 0 and "now #00aaff" in out
    rc, out, _ = run(capsys, path, "move", "porosity", 1)
    assert rc == 0 and "Order: 1 porosity, 2 crack" in out
    rc, out, _ = run(capsys, path, "list")
    lines = out.splitlines()
    assert lines[1].split() == ["1", "2", "#00aaff", "0", "porosity"]
    assert lines[2].split() == ["2", "1", "#ff0000", "0", "crack"]
    with Project.open(path) as p:
        assert [(c.name, c.color) for c in p.classes.list()] == [
            ("porosity", "#00aaff"), ("crack", "#ff0000")]
        actions = {a.action for a in p.audit.list(entity="defect_class")}
        assert actions == {"class.add", "class.update", "class.reorder"}


@pytest.mark.parametrize("args, message", [
    (("add", "crack"), "already a defect class named 'crack'"),
    (("add", "x", "--color", "blue"), "#rrggbb"),
    (("rename", "nope", "x"), "no defect class 'nope' (classes: crack)"),
    (("recolor", "crack", "#12"), "#rrggbb"),
    (("move", "crack", 3), "position must be 1..1"),
    (("delete", "crack"), "painted in 1 image(s): pass --merge-into CLASS"),
    (("delete", "crack", "--merge-into", "crack"), "into the class itself"),
])
def test_bad_input_is_a_clear_error_and_changes_nothing(proj, capsys, args, message):
    path, image_id = proj
    with Project.open(path) as p:
        crack = p.classes.add("crack", "#ff0000")
        p.masks.save(image_id, np.full((10, 12), crack.value, np.uint8))
        before = len(p.audit.list())
    rc, _, err = run(capsys, path, *args)
    assert rc == 1 and message in err
    with Project.open(path) as p:
        assert p.classes.list() == [crack] and len(p.audit.list()) == before


def test_delete_merges_or_erases_with_new_revisions(proj, capsys):
    path, image_id = proj
    with Project.open(path) as p:
        crack, pore, chip = (p.classes.add(n) for n in ("crack", "pore", "chip"))
        mask = np.zeros((10, 12), np.uint8)
        mask[0:2, 0:2] = crack.value
        mask[4:6, 4:6] = pore.value
        mask[7:9, 7:9] = chip.value
        p.masks.save(image_id, mask)
    rc, out, _ = run(capsys, path, "delete", "pore", "--merge-into", "crack")
    assert rc == 0 and "merged into 'crack' in 1 mask(s)" in out
    rc, out, _ = run(capsys, path, "delete", "3", "--erase")  # chip, by its value
    assert rc == 0 and "Deleted class 'chip'; its pixels were erased in 1 mask(s)" in out
    with Project.open(path) as p:
        expected = np.zeros((10, 12), np.uint8)
        expected[0:2, 0:2] = expected[4:6, 4:6] = crack.value
        np.testing.assert_array_equal(p.masks.load(image_id), expected)
        assert [r.source for r in p.masks.revisions(image_id)] == [
            "edit", "class-delete", "class-delete"]
        deletes = p.audit.list(action="class.delete")
        assert [(d.detail["name"], d.detail["reassign_to"], d.detail["masks_changed"])
                for d in deletes] == [("chip", None, 1), ("pore", crack.value, 1)]
    rc, out, _ = run(capsys, path, "delete", "crack", "--erase")
    assert rc == 0


def test_list_opens_read_only_beside_a_writer(proj, capsys):
    path, _ = proj
    with Project.open(path) as p:
        p.classes.add("crack")
        rc, out, _ = run(capsys, path, "list")
    assert rc == 0 and "crack" in out
