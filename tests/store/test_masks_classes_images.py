"""Masks, revisions, classes and images, through the repositories."""


import numpy as np
import pytest
from sqlalchemy.exc import IntegrityError, InternalError, OperationalError

from app.store.classes_repo import ClassError
from app.store.masks_repo import MaskShapeError
from tests.support.raw_sql import REFUSED, outside_sql

from .helpers import make_image_file


def add_image(project, tmp_path, name="a.png", size=(16, 12)):
    (image_id,) = project.images.add_many([make_image_file(tmp_path, name, size)]).added
    return image_id


def test_mask_round_trip_and_history(project, tmp_path):
    image_id = add_image(project, tmp_path)
    assert project.masks.load(image_id) is None
    assert project.masks.load_or_empty(image_id).shape == (12, 16)
    first = np.zeros((12, 16), np.uint8)
    first[1:3, 1:4] = 1
    second = first.copy()
    second[5:9, 5:9] = 2
    r1 = project.masks.save(image_id, first)
    project.masks.save(image_id, second)
    assert np.array_equal(project.masks.load(image_id), second)
    revs = project.masks.revisions(image_id)
    assert [r.defect_pixels for r in revs] == [6, 22]
    assert revs[1].class_values == (1, 2)
    assert project.images.get(image_id).status == "in_progress"
    project.masks.restore(r1)
    assert np.array_equal(project.masks.load(image_id), first)
    assert [r.source for r in project.masks.revisions(image_id)] == ["edit", "edit", "restore"]
    assert len(project.audit.list(action="mask.revision")) == 3


def test_mask_shape_and_dtype_are_checked(project, tmp_path):
    image_id = add_image(project, tmp_path)
    with pytest.raises(MaskShapeError, match="16x12"):
        project.masks.save(image_id, np.zeros((16, 12), np.uint8))
    with pytest.raises(MaskShapeError, match="uint8"):
        project.masks.save(image_id, np.zeros((12, 16), np.int32))
    assert project.masks.revisions(image_id) == []


def test_class_values_are_never_reused(project):
    crack = project.classes.add("crack")
    pore = project.classes.add("pore")
    assert (crack.value, pore.value) == (1, 2)
    with pytest.raises(ClassError, match="already"):
        project.classes.add("crack")
    project.classes.delete(pore.value)
    assert project.classes.add("chip").value == 3


def test_deleting_a_class_moves_or_clears_its_pixels(project, tmp_path):
    crack = project.classes.add("crack")
    pore = project.classes.add("pore")
    chip = project.classes.add("chip")
    image_id = add_image(project, tmp_path)
    other_id = add_image(project, tmp_path, "b.png")
    mask = np.zeros((12, 16), np.uint8)
    mask[0:2, 0:2] = crack.value
    mask[4:6, 4:6] = pore.value
    mask[8:10, 8:10] = chip.value
    project.masks.save(image_id, mask)
    project.masks.save(other_id, np.full((12, 16), crack.value, np.uint8))

    assert project.classes.delete(pore.value, reassign_to=crack.value) == 1
    after = project.masks.load(image_id)
    assert (after[4:6, 4:6] == crack.value).all() and (after == pore.value).sum() == 0

    assert project.classes.delete(chip.value) == 1
    assert (project.masks.load(image_id) == chip.value).sum() == 0
    assert project.masks.revisions(image_id)[-1].source == "class-delete"
    assert [c.name for c in project.classes.list()] == ["crack"]


def test_delete_to_unknown_class_changes_nothing(project, tmp_path):
    crack = project.classes.add("crack")
    image_id = add_image(project, tmp_path)
    project.masks.save(image_id, np.full((12, 16), crack.value, np.uint8))
    with pytest.raises(ClassError, match="unknown class"):
        project.classes.delete(crack.value, reassign_to=99)
    assert len(project.masks.revisions(image_id)) == 1
    assert project.classes.list()


def rooted(project, tmp_path) -> str:
    """A team project keeps paths under a storage root: `data` is tmp_path on this machine."""
    if not project.is_team:
        return ""
    project.roots.add("data")
    project.roots.map("data", tmp_path)
    return "data/"


def test_add_many_is_idempotent_and_relative(project, tmp_path):
    prefix = rooted(project, tmp_path)
    items = [make_image_file(tmp_path / "imgs", f"{i}.png") for i in range(3)]
    assert len(project.images.add_many(items).added) == 3
    again = project.images.add_many(items)
    assert again.added == [] and len(again.already_present) == 3
    rows = project.images.list()
    assert [r.rel_path for r in rows] == [f"{prefix}imgs/{i}.png" for i in range(3)]
    assert project.images.abspath(rows[0]) == (tmp_path / "imgs" / "0.png").resolve()


def test_moved_images_are_noticed_and_relinked(project, tmp_path):
    prefix = rooted(project, tmp_path)
    items = [make_image_file(tmp_path / "old", f"{i}.png", value=10 * i) for i in range(3)]
    project.images.add_many(items)
    (tmp_path / "new" / "deeper").mkdir(parents=True)
    for i in range(3):
        (tmp_path / "old" / f"{i}.png").rename(tmp_path / "new" / "deeper" / f"{i}.png")
    assert len(project.images.missing()) == 3
    found = project.images.relink(tmp_path / "new")
    assert len(found) == 3
    assert project.images.missing() == []
    assert project.images.list()[0].rel_path == f"{prefix}new/deeper/0.png"


def test_splits_and_status(project, tmp_path):
    a = add_image(project, tmp_path, "a.png")
    b = add_image(project, tmp_path, "b.png")
    project.images.set_splits({a: "train", b: "val"})
    assert [r.id for r in project.images.list(split="val")] == [b]
    with pytest.raises(ValueError):
        project.images.set_split([a], "holdout")
    project.images.set_status([a], "labeled")
    assert project.images.get(a).status == "labeled"


def test_audit_log_refuses_update_and_delete(project):
    project.classes.add("crack")
    with pytest.raises(REFUSED, match="append-only"):
        outside_sql(project, "UPDATE audit_log SET author = 'mallory'")
    with pytest.raises(REFUSED, match="append-only"):
        outside_sql(project, "DELETE FROM audit_log")
    with pytest.raises((IntegrityError, OperationalError, InternalError)):
        with project.db.session() as s:
            s.connection().exec_driver_sql("DELETE FROM audit_log")
    assert project.audit.list(action="class.add")


def test_recipe_versions_are_immutable(project):
    r1 = project.recipes.save("housing", {"threshold": 0.5})
    assert project.recipes.save("housing", {"threshold": 0.5}).version == 1  # unchanged body
    r2 = project.recipes.save("housing", {"threshold": 0.6})
    assert (r1.version, r2.version) == (1, 2)
    assert project.recipes.get("housing").version == 2
    assert project.recipes.get("housing@1").body == {"threshold": 0.5}
    with pytest.raises(REFUSED, match="immutable"):
        outside_sql(project, "UPDATE recipes SET body = '{}'")
    with pytest.raises(KeyError, match="housing"):
        project.recipes.get("nope")


def test_team_images_load_through_their_root_and_a_wrong_mapping_is_named(tmp_path, pg_url):
    from app.store import Project
    from app.store.storage_roots import StorageRootError

    a = make_image_file(tmp_path / "nas" / "lot1", "a.png", value=10)
    make_image_file(tmp_path / "elsewhere" / "lot1", "a.png", value=99)
    with Project.open(pg_url) as p:
        p.images.add_many([a])  # no root holds it yet: its folder becomes root "lot1"
        row = p.images.list()[0]
        assert (row.root, row.rel_path) == ("lot1", "lot1/a.png")
        assert p.images.abspath(row) == (tmp_path / "nas" / "lot1" / "a.png").resolve()
        p.roots.map("lot1", tmp_path / "elsewhere" / "lot1")  # same name, other content
        with pytest.raises(StorageRootError, match="wrong folder"):
            p.images.abspath(row)
        (tmp_path / "team").rename(tmp_path / "team-moved")  # another workstation: no mapping
        with pytest.raises(StorageRootError, match="not mapped on this workstation"):
            p.images.abspath(row)
