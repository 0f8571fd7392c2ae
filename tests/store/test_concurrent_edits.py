"""Concurrent work without lost work, on both engines: every mask save names its base revision
(a stale base is refused with who and when, nothing written; keep-mine goes on top), image
leases with expiry, assignment and the "next image" rule."""

import time

import numpy as np
import pytest

from app.store import RevisionConflict
from app.store.assignment import next_image
from app.store.leases_repo import LeasesRepo

from .helpers import make_image_file


def _images(project, tmp_path, n=2):
    project.images.add_many([make_image_file(tmp_path / "imgs", f"p{i}.png") for i in range(n)])
    return [r.id for r in project.images.list()]


def _mask(value, y=0):
    m = np.zeros((30, 40), np.uint8)
    m[y:y + 5, :10] = value
    return m


def test_a_save_on_a_stale_base_is_refused_and_writes_nothing(project, tmp_path):
    image_id = _images(project, tmp_path)[0]
    first = project.masks.save(image_id, _mask(1), base_revision=None)
    theirs = project.masks.save(image_id, _mask(2), base_revision=first)
    audit_rows = len(project.audit.list())

    with pytest.raises(RevisionConflict) as info:
        project.masks.save(image_id, _mask(3), base_revision=first)

    c = info.value
    assert (c.image_id, c.base_revision, c.revision_id) == (image_id, first, theirs)
    assert c.author == project.db.identity
    assert c.at == project.masks.revisions(image_id)[-1].created_at
    assert project.db.identity in str(c) and c.at in str(c)
    assert [r.id for r in project.masks.revisions(image_id)] == [first, theirs]
    assert np.array_equal(project.masks.load(image_id), _mask(2))
    assert len(project.audit.list()) == audit_rows


def test_a_first_save_names_no_base_and_is_refused_once_labeled(project, tmp_path):
    image_id = _images(project, tmp_path)[0]
    rev = project.masks.save(image_id, _mask(1), base_revision=None)
    assert project.masks.revisions(image_id)[-1].base_revision is None
    with pytest.raises(RevisionConflict):
        project.masks.save(image_id, _mask(2), base_revision=None)
    nxt = project.masks.save(image_id, _mask(2), base_revision=rev)
    assert project.masks.revisions(image_id)[-1].base_revision == rev
    assert project.masks.load_current(image_id)[1] == nxt


def test_keep_mine_goes_on_top_of_the_newer_revision_and_the_audit_says_so(project, tmp_path):
    image_id = _images(project, tmp_path)[0]
    base = project.masks.save(image_id, _mask(1), base_revision=None)
    theirs = project.masks.save(image_id, _mask(2, y=10), base_revision=base)
    with pytest.raises(RevisionConflict) as info:
        project.masks.save(image_id, _mask(3, y=20), base_revision=base)

    mine = project.masks.keep_mine(image_id, _mask(3, y=20), info.value)

    revs = project.masks.revisions(image_id)
    assert [r.id for r in revs] == [base, theirs, mine]
    assert revs[-1].base_revision == theirs
    assert np.array_equal(project.masks.load(image_id), _mask(3, y=20))
    assert np.array_equal(project.masks.load_revision(theirs), _mask(2, y=10))  # nothing lost
    row = project.audit.list(action="mask.revision", limit=1)[0]
    assert row.detail["superseded"] == theirs and row.detail["base"] == theirs


def test_unchecked_writers_record_the_revision_they_wrote_over(project, tmp_path):
    image_id = _images(project, tmp_path)[0]
    project.classes.add("pore")  # value 1
    project.classes.add("crack")  # value 2
    first = project.masks.save(image_id, _mask(1))
    second = project.masks.save(image_id, _mask(2))
    assert project.masks.revisions(image_id)[-1].base_revision == first
    restored = project.masks.restore(first)
    assert project.masks.revisions(image_id)[-1].base_revision == second
    project.classes.delete(1)
    last = project.masks.revisions(image_id)[-1]
    assert (last.source, last.base_revision) == ("class-delete", restored)
    assert not project.masks.load(image_id).any()


def test_a_lease_shows_the_holder_to_other_clients_and_expires(project, tmp_path):
    a, b = _images(project, tmp_path)
    mine = LeasesRepo(project.db, "ws-anna", seconds=0.6)
    other = LeasesRepo(project.db, "ws-ben", seconds=30)

    assert mine.take(a).client == "ws-anna"
    assert other.held_by_others() == {a: project.db.identity}
    assert mine.held_by_others() == {}
    assert other.take(a).client == "ws-anna"  # live: the holder keeps it

    mine.take(b)  # the image changed: a is free again
    assert other.take(a).client == "ws-ben"
    assert other.held_by_others() == {b: project.db.identity}

    time.sleep(0.8)  # anna's client died: no heartbeat
    assert other.held_by_others() == {}
    assert other.take(b).client == "ws-ben"  # expired counts as free
    other.release()
    assert other.held() == []


def test_assignment_and_next_image(project, tmp_path):
    ids = _images(project, tmp_path, 5)
    project.images.assign(ids[3:4], "anna")
    project.images.assign(ids[1:2], " ben ")
    assert project.images.get(ids[1]).assignee == "ben"
    assert "anna" not in project.audit.authors()  # assigning is done by the lead
    assert project.db.identity in project.audit.authors()
    row = project.audit.list(action="image.assign", limit=1)[0]
    assert row.detail == {"ids": [ids[1]], "assignee": "ben"}

    assignees = {r.id: r.assignee for r in project.images.list()}
    held = {ids[2]: "carl"}
    assert next_image(ids, ids[0], assignees, "anna", held) == ids[3]  # mine first
    assert next_image(ids, ids[3], assignees, "anna", held) == ids[4]  # then unclaimed
    assert next_image(ids, ids[0], assignees, "dora", held) == ids[4]  # skips ben's, carl's
    assert next_image(ids, ids[4], assignees, "dora", held) is None
    project.images.assign(ids[1:2], "")
    assert project.images.get(ids[1]).assignee is None
