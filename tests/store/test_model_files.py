"""Models of a team project live in the database (app/store/model_files.py): a client that did
not train a model unpacks it into its own team folder and runs it; a project file keeps its
checkpoint folder beside the file, as always."""

from __future__ import annotations

import hashlib
import os
import shutil

import numpy as np
import pytest

from app.store import Project
from app.store.model_files import ModelFilesError, safe_relative
from app.store.schema import ModelFile
from tests.support.inspection import add_model

pytest.importorskip("torch")


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _predict(project, model_id):
    from app.ml.inference import load_model_for_inference

    model = load_model_for_inference(project.models.path(project.models.get(model_id)), "cpu")
    return model.predict(np.full((32, 32), 100, np.uint8))


def test_a_team_model_trained_on_one_client_runs_on_another(pg_url, tmp_path, monkeypatch):
    monkeypatch.setenv("DEFECT_STUDIO_TEAM_DIR", str(tmp_path / "client-a"))
    with Project.open(pg_url) as a:
        model_id = add_model(a, "tiny")
        trained = a.models.path(a.models.get(model_id))
        assert str(trained).startswith(str(tmp_path / "client-a"))
        written = _files(trained)
        probs_a = _predict(a, model_id)
        with a.db.session() as s:
            stored = {f.name: (bytes(f.data), f.sha256) for f in s.query(ModelFile)}
    assert set(written) == {"config.json", "weights.safetensors"}
    assert {n: d for n, (d, _) in stored.items()} == written
    assert all(hashlib.sha256(d).hexdigest() == sha for d, sha in stored.values())

    monkeypatch.setenv("DEFECT_STUDIO_TEAM_DIR", str(tmp_path / "client-b"))
    with Project.open(pg_url) as b:
        folder = b.models.path(b.models.get(model_id))
        assert str(folder).startswith(str(tmp_path / "client-b"))
        assert _files(folder) == written
        probs_b = _predict(b, model_id)
        assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no temp left
    np.testing.assert_array_equal(probs_a, probs_b)


def test_a_changed_or_missing_cached_file_is_unpacked_again(pg_url):
    with Project.open(pg_url) as p:
        model_id = add_model(p, "tiny")
        row = p.models.get(model_id)
        folder = p.models.path(row)
        good = _files(folder)
        (folder / "weights.safetensors").write_bytes(b"not the weights")
        assert _files(p.models.path(row)) == good
        (folder / "config.json").unlink()
        assert _files(p.models.path(row)) == good
        _predict(p, model_id)


def test_a_team_model_without_stored_files_is_refused(pg_url):
    with Project.open(pg_url) as p:
        folder = p.models.folder / "empty"
        with pytest.raises(ModelFilesError, match="does not exist"):
            p.models.register("empty", folder, {}, {}, "0" * 64, 0)
        assert p.models.list() == []  # nothing registered
        assert not [a for a in p.audit.list() if a.action == "model.register"]


def test_a_project_file_keeps_its_checkpoint_beside_it(tmp_path):
    with Project.create(tmp_path / "line.dsproj") as p:
        model_id = add_model(p, "tiny")
        folder = p.models.path(p.models.get(model_id))
        assert folder == tmp_path / "line.models" / "tiny"
        with p.db.session() as s:
            assert s.query(ModelFile).count() == 0
        _predict(p, model_id)


@pytest.mark.parametrize("rel", ["../x", "/etc", "a/../../b", "", "a\\b"])
def test_names_that_leave_their_folder_are_refused(rel):
    with pytest.raises(ModelFilesError):
        safe_relative(rel, "model file")


def test_a_stored_file_that_does_not_match_its_hash_is_not_unpacked(pg_url, tmp_path,
                                                                   monkeypatch):
    from tests.support.raw_sql import outside_sql

    with Project.open(pg_url) as p:
        model_id = add_model(p, "tiny")
        outside_sql(p, "UPDATE model_files SET data = 'x'::bytea WHERE name = 'config.json'")
    monkeypatch.setenv("DEFECT_STUDIO_TEAM_DIR", str(tmp_path / "other"))
    with Project.open(pg_url) as p:
        with pytest.raises(ModelFilesError, match="sha256"):
            p.models.path(p.models.get(model_id))
        assert not os.path.exists(p.root / p.models.get(model_id).rel_dir)


def test_a_team_model_without_stored_files_uses_the_folder_of_the_client_that_has_it(pg_url):
    from sqlalchemy import text

    with Project.open(pg_url) as p:
        model_id = add_model(p, "tiny")
        folder = p.models.path(p.models.get(model_id))
        with p.db.session() as s:  # as a model registered before its files were stored
            s.execute(text("DELETE FROM model_files"))
        assert p.models.path(p.models.get(model_id)) == folder
        shutil.rmtree(folder)
        with pytest.raises(ModelFilesError, match="no files in the team database"):
            p.models.path(p.models.get(model_id))
