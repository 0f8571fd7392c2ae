"""`project copy` (app/store/project_copy.py): file -> team -> file gives back every row of
every table; the copies' audit chains hold; a destination that is not new is refused with
nothing changed; a team copy finds the file's images and models on another workstation."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import text

from app.store import Project
from app.store.project import check_audit_chain
from app.store.project_copy import CopyError, copy_location
from app.store.storage_roots import FILE_ROOT
from tests.support.full_project import file_rows, make_full_project
from tests.support.inspection import add_model

pytest.importorskip("torch")


def test_file_to_team_to_file_gives_back_every_row(pg_empty_url, tmp_path):
    src = make_full_project(tmp_path)
    before = file_rows(src)
    report = copy_location(src, pg_empty_url)
    assert report.rows["mask_revisions"] == 4 and report.rows["audit_log"] == len(
        before["audit_log"])
    assert report.model_files == 2 and not report.warnings

    with Project.open(pg_empty_url, readonly=True) as team:
        check = check_audit_chain(team.db)
        assert check.ok and check.rows == len(before["audit_log"])
        assert team.settings.get(FILE_ROOT) == "work"
        for row in team.images.list():  # the images are found through the file root
            assert team.images.abspath(row).is_file()
        assert [r.id for r in team.masks.revisions(1)] == [1, 2, 3]

    final = src.with_name("back.dsproj")
    copy_location(pg_empty_url, final)
    after = file_rows(final)
    assert after.keys() == before.keys()
    for table in before:
        assert after[table] == before[table], table
    with Project.open(final, readonly=True) as back:
        assert check_audit_chain(back.db).ok


def test_a_team_copy_gets_fresh_ids_and_runs_the_model_elsewhere(pg_empty_url, tmp_path,
                                                                monkeypatch):
    from app.ml.inference import load_model_for_inference

    src = make_full_project(tmp_path)
    copy_location(src, pg_empty_url)
    monkeypatch.setenv("DEFECT_STUDIO_TEAM_DIR", str(tmp_path / "client-b"))
    with Project.open(pg_empty_url) as team:
        image = team.images.get(1)
        rev = team.masks.save(image.id, np.zeros((24, 32), np.uint8))
        assert rev == 5  # after the 4 copied revisions
        spot = team.classes.add("dent")
        assert spot.id == 3
        team.audit.record("test.note", "project")
        assert check_audit_chain(team.db).ok
        row = team.models.get(1)
        folder = team.models.path(row)
        assert str(folder).startswith(str(tmp_path / "client-b"))
        part = np.full((24, 32), 100, np.uint8)
        probs = load_model_for_inference(folder, "cpu").predict(part)
    with Project.open(src, readonly=True) as orig:
        trained = load_model_for_inference(orig.models.path(orig.models.get(1)), "cpu")
        np.testing.assert_array_equal(probs, trained.predict(part))


def test_a_destination_that_is_not_new_is_refused_and_left_alone(pg_url, tmp_path):
    src = make_full_project(tmp_path)
    with Project.open(pg_url) as team:
        team.classes.add("existing")
        before = len(team.audit.list())
    with pytest.raises(CopyError, match="not empty"):
        copy_location(src, pg_url)
    with Project.open(pg_url) as team:
        assert [c.name for c in team.classes.list()] == ["existing"]
        assert len(team.audit.list()) == before

    other = tmp_path / "other.dsproj"
    other.write_bytes(b"mine")
    with pytest.raises(CopyError, match="already exists"):
        copy_location(src, other)
    assert other.read_bytes() == b"mine"


def test_a_failed_copy_into_a_database_leaves_it_empty(pg_empty_url, tmp_path, monkeypatch):
    from app.store import project_copy
    from app.store.migrations import current_version
    from app.store.project_copy import _connect, destination

    src = make_full_project(tmp_path)

    def broken(*_a, **_k):
        raise OSError("disk gone")

    monkeypatch.setattr(project_copy, "_reset_sequences", broken)
    with pytest.raises(OSError, match="disk gone"):
        copy_location(src, pg_empty_url)
    db = _connect(destination(pg_empty_url))
    with db.engine.connect() as conn:
        assert current_version(conn) == 0  # no tables: the copy can simply be run again
    db.engine.dispose()


def test_a_failed_copy_to_a_file_leaves_no_file(tmp_path, monkeypatch):
    from app.store import project_copy

    src = make_full_project(tmp_path)

    def broken(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(project_copy, "write_folder", broken)
    dst = tmp_path / "copy" / "snap.dsproj"
    dst.parent.mkdir()
    with pytest.raises(OSError, match="disk full"):
        copy_location(src, dst)
    assert list(dst.parent.iterdir()) == []


def test_team_to_file_in_another_folder_points_at_the_same_images(pg_empty_url, tmp_path):
    src = make_full_project(tmp_path)
    copy_location(src, pg_empty_url)
    dst = tmp_path / "home" / "snap.dsproj"
    dst.parent.mkdir()
    report = copy_location(pg_empty_url, dst)
    assert report.model_files == 2
    with Project.open(dst, readonly=True) as snap, Project.open(src, readonly=True) as orig:
        assert [snap.images.abspath(r) for r in snap.images.list()] == \
               [orig.images.abspath(r) for r in orig.images.list()]
        assert [r.rel_path for r in snap.images.list()][2] == "../elsewhere/c.png"
        row = snap.models.get(1)
        assert (snap.models.path(row) / "weights.safetensors").read_bytes() == \
               (orig.models.path(row) / "weights.safetensors").read_bytes()


def test_a_team_project_whose_roots_are_not_mapped_here_is_not_copied_to_a_file(
        pg_empty_url, tmp_path, monkeypatch):
    src = make_full_project(tmp_path)
    copy_location(src, pg_empty_url)
    monkeypatch.setenv("DEFECT_STUDIO_TEAM_DIR", str(tmp_path / "unmapped"))
    dst = tmp_path / "snap.dsproj"
    with pytest.raises(CopyError, match="map storage root.*work"):
        copy_location(pg_empty_url, dst)
    assert not dst.exists()


def test_importing_a_copied_files_images_again_adds_nothing(pg_empty_url, tmp_path):
    from tests.support.full_project import _image

    src = make_full_project(tmp_path)
    copy_location(src, pg_empty_url)
    with Project.open(pg_empty_url) as team:
        again = [_image(tmp_path / "work" / "parts" / "a.png", 90),
                 _image(tmp_path / "elsewhere" / "c.png", 150)]
        result = team.images.add_many(again)
        assert result.added == [] and result.already_present == ["parts/a.png",
                                                                  "../elsewhere/c.png"]
        assert team.roots.names() == ["work"]  # no root made for a known image
        new = team.images.add_many([_image(tmp_path / "work" / "parts" / "d.png", 60)])
        assert len(new.added) == 1 and team.images.get(new.added[0]).root == "work"


def test_a_team_projects_own_images_land_relative_to_the_new_file(pg_url, tmp_path):
    from tests.support.full_project import _image

    with Project.open(pg_url) as team:
        team.images.add_many([_image(tmp_path / "nas" / "lot7" / "x.png", 70)])
        (row,) = team.images.list()
        assert row.root == "lot7"
        model_id = add_model(team, "tiny")
        where = team.images.abspath(row)
    dst = tmp_path / "home" / "snap.dsproj"
    dst.parent.mkdir()
    report = copy_location(pg_url, dst)
    assert report.model_files == 2
    with Project.open(dst, readonly=True) as snap:
        (copied,) = snap.images.list()
        assert copied.rel_path == "../nas/lot7/x.png" and copied.root is None
        assert snap.images.abspath(copied) == where
        assert snap.roots is None and snap.models.path(snap.models.get(model_id)).is_dir()
        with snap.db.session() as s:
            assert s.execute(text("SELECT name FROM storage_roots")).scalars().all() == ["lot7"]
            assert s.execute(text("SELECT count(*) FROM model_files")).scalar() == 0
        assert check_audit_chain(snap.db).ok


def test_file_to_file_in_another_folder(tmp_path):
    src = make_full_project(tmp_path)
    dst = tmp_path / "other" / "deep" / "line.dsproj"
    dst.parent.mkdir(parents=True)
    report = copy_location(src, dst)
    assert report.model_files == 2
    with Project.open(dst, readonly=True) as copy, Project.open(src, readonly=True) as orig:
        assert [copy.images.abspath(r) for r in copy.images.list()] == \
               [orig.images.abspath(r) for r in orig.images.list()]
        assert (copy.models.path(copy.models.get(1)) / "config.json").read_bytes() == \
               (orig.models.path(orig.models.get(1)) / "config.json").read_bytes()
    before, after = file_rows(src), file_rows(dst)
    assert {t for t in before if before[t] != after[t]} == {"images"}  # paths only


def test_team_to_team_keeps_model_files_and_roots(pg_cluster, pg_empty_url, tmp_path):
    src = make_full_project(tmp_path)
    copy_location(src, pg_empty_url)
    second = pg_cluster.url(pg_cluster.new_database())
    report = copy_location(pg_empty_url, second)
    assert report.model_files == 2
    with Project.open(second) as team:
        assert team.roots.names() == ["work"]
        for row in team.images.list():
            assert team.images.abspath(row).is_file()
        assert team.masks.save(1, np.zeros((24, 32), np.uint8)) == 5
        assert check_audit_chain(team.db).ok


def test_a_model_with_a_missing_checkpoint_is_copied_and_reported(pg_empty_url, tmp_path):
    import shutil

    src = make_full_project(tmp_path)
    shutil.rmtree(tmp_path / "work" / "line.models" / "tiny")
    report = copy_location(src, pg_empty_url)
    assert report.model_files == 0
    assert report.warnings == [f"model 'tiny' has no checkpoint at {src}: copied without files"]
    with Project.open(pg_empty_url, readonly=True) as team:
        assert [m.name for m in team.models.list()] == ["tiny"]


def test_a_file_at_an_older_format_is_not_copied(tmp_path):
    from tests.support.old_projects import make_old_project

    old = tmp_path / "old.dsproj"
    make_old_project(old, 6)
    before = old.read_bytes()
    with pytest.raises(CopyError, match="open it once"):
        copy_location(old, tmp_path / "new.dsproj")
    assert old.read_bytes() == before and not (tmp_path / "new.dsproj").exists()
