"""Editing defect classes (rename, recolour, order, usage) and image status as the user sets it."""

import numpy as np
import pytest

from app.store.classes_repo import ClassError

from .helpers import make_image_file


def add_image(project, tmp_path, name="a.png"):
    (image_id,) = project.images.add_many([make_image_file(tmp_path, name, (16, 12))]).added
    return image_id


def test_rename_and_recolour_keep_the_value_and_are_audited(project):
    crack = project.classes.add("crack", "#FF0000")
    assert crack.color == "#ff0000"
    row = project.classes.update(crack.value, name=" hairline crack ", color="#00ff00")
    assert (row.value, row.name, row.color) == (crack.value, "hairline crack", "#00ff00")
    entry = project.audit.list(action="class.update")[0]
    assert entry.detail["before"] == {"name": "crack", "color": "#ff0000"}
    assert entry.detail["name"] == "hairline crack"


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "  "}, "needs a name"),
    ({"name": "pore"}, "already a defect class named 'pore'"),
    ({"color": "red"}, "#rrggbb"),
    ({"color": "#12345"}, "#rrggbb"),
])
def test_bad_edits_change_nothing(project, kwargs, message):
    crack = project.classes.add("crack", "#ff0000")
    project.classes.add("pore")
    audit_rows = len(project.audit.list())
    with pytest.raises(ClassError, match=message):
        project.classes.update(crack.value, **kwargs)
    assert project.classes.by_value()[crack.value] == crack
    assert len(project.audit.list()) == audit_rows


def test_add_refuses_a_bad_colour(project):
    with pytest.raises(ClassError, match="#rrggbb"):
        project.classes.add("crack", "not a colour")
    assert project.classes.list() == []


def test_reorder_and_move_store_the_order(project):
    a, b, c = (project.classes.add(n) for n in ("a", "b", "c"))
    assert [r.name for r in project.classes.reorder([c.value, a.value, b.value])] == ["c", "a", "b"]
    assert project.audit.list(action="class.reorder")[0].detail["order"] == ["c", "a", "b"]
    assert [r.name for r in project.classes.move(b.value, 0)] == ["b", "c", "a"]
    assert [r.name for r in project.classes.move(b.value, 99)] == ["c", "a", "b"]
    assert [r.sort_order for r in project.classes.list()] == [0, 1, 2]
    with pytest.raises(ClassError, match="every class once"):
        project.classes.reorder([a.value, b.value])
    with pytest.raises(ClassError, match="every class once"):
        project.classes.reorder([a.value, a.value, b.value])
    assert [r.name for r in project.classes.list()] == ["c", "a", "b"]


def test_a_class_added_after_a_delete_goes_last(project):
    a, b, c = (project.classes.add(n) for n in ("a", "b", "c"))
    project.classes.delete(a.value)
    project.classes.add("d")
    assert [r.name for r in project.classes.list()] == ["b", "c", "d"]


def test_images_using_reads_current_masks_only(project, tmp_path):
    crack = project.classes.add("crack")
    pore = project.classes.add("pore")
    first, second = add_image(project, tmp_path), add_image(project, tmp_path, "b.png")
    mask = np.zeros((12, 16), np.uint8)
    mask[1:3, 1:3] = pore.value
    project.masks.save(first, mask)
    project.masks.save(first, np.zeros((12, 16), np.uint8))  # pore erased again
    project.masks.save(second, mask)
    assert project.classes.images_using(pore.value) == [second]
    assert project.classes.images_using(crack.value) == []


def test_delete_into_itself_is_refused(project):
    crack = project.classes.add("crack")
    with pytest.raises(ClassError, match="into the class itself"):
        project.classes.delete(crack.value, reassign_to=crack.value)
    assert project.classes.list() == [crack]


def test_status_with_good_flag_in_one_audited_write(project, tmp_path):
    ids = [add_image(project, tmp_path, f"{i}.png") for i in range(2)]
    project.images.set_status(ids, "labeled", is_good=True)
    assert [(r.status, r.is_good) for r in project.images.list()] == [("labeled", True)] * 2
    entry = project.audit.list(action="image.status")[0]
    assert entry.detail == {"ids": ids, "status": "labeled", "is_good": True}
    project.images.set_status(ids[:1], "in_progress", is_good=False)
    assert project.images.get(ids[0]).is_good is False
    project.images.set_status(ids[1:], "labeled")  # the flag is left as it was
    assert project.images.get(ids[1]).is_good is True
    with pytest.raises(ValueError, match="a good part is labeled"):
        project.images.set_status(ids, "in_progress", is_good=True)
    with pytest.raises(ValueError, match="status must be one of"):
        project.images.set_status(ids, "done")
    project.images.set_status([], "labeled")  # nothing to do, nothing recorded
    assert len(project.audit.list(action="image.status")) == 3
