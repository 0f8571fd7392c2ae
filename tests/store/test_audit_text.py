"""The audit trail as sentences, and the author as the operating-system account."""

import re
from pathlib import Path

import numpy as np

import app
from app.core.inspection_record import InspectionRecord
from app.store import user
from app.store.audit_text import SENTENCES, AuditNames, sentence
from app.store.rows import AuditRow
from app.store.runs_repo import DECISIONS

from .helpers import make_image_file

APP = Path(app.__file__).parent


def written_actions() -> set[str]:
    """Every audit action name the code writes (record(...), _update(...), decisions)."""
    found = set()
    for path in APP.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'record\(\s*(?:s,\s*)?"([a-z_]+\.[a-z_]+)"', text))
        found |= set(re.findall(r'_update\(\s*ids,\s*"([a-z_]+\.[a-z_]+)"', text))
        found |= set(re.findall(r'^[A-Z_]*ACTION\s*=\s*"([a-z_]+\.[a-z_]+)"', text, re.M))
        if 'f"review.{decision}"' in text:
            found |= {f"review.{d}" for d in DECISIONS}
    return found


def test_every_written_action_has_a_sentence():
    written = written_actions()
    assert {"class.add", "image.status", "review.override", "run.plan"} <= written  # scan works
    assert written - set(SENTENCES) == set()


def test_sentences_from_a_real_project(project, tmp_path, monkeypatch):
    monkeypatch.setattr(project.db, "identity", "ana")
    project.images.add_many([make_image_file(tmp_path / "lot", f"part-0{i}.png")
                             for i in (3, 7)])
    ids = {Path(r.rel_path).stem: r.id for r in project.images.list()}
    pore = project.classes.add("pore")
    project.images.set_status([ids["part-03"]], "labeled")
    project.images.set_good([ids["part-07"]], True)
    project.masks.save(ids["part-03"], np.full((30, 40), pore.value, np.uint8), source="edit")
    project.settings.set("mm_per_pixel", 0.02)
    recipe = project.recipes.save("housing", {"t": 0.5})
    run = project.runs.create("lot 42", None, recipe.id)
    rid = project.runs.add_result(run.id, str(tmp_path / "lot" / "part-07.png"), InspectionRecord(
        "REWORK", sha256="h"))
    project.runs.decide(rid, "override", "OK", reason="porosity within limit")
    project.runs.decide(rid, "to_labeling", "OK")
    project.runs.set_status(run.id, "done")
    project.classes.delete(pore.value)

    names = AuditNames.of(project)
    text = [sentence(r, names) for r in reversed(project.audit.list())]
    assert "ana added class pore" in text
    assert "ana marked part-03 labeled" in text
    assert "ana marked part-07 good (no defect)" in text
    assert "ana edited the mask of part-03 (1200 defect pixels)" in text
    assert "ana set mm_per_pixel to 0.02" in text
    assert "ana saved recipe housing v1" in text
    assert f"ana created inspection run #{run.id} (lot 42)" in text
    assert "ana overrode part-07 REWORK -> OK: porosity within limit" in text
    assert "ana sent part-07 to labeling" in text
    assert f"ana finished inspection run #{run.id}" in text
    assert "ana deleted class pore (1 mask changed)" in text
    assert (text.index("ana added class pore")
            < text.index("ana deleted class pore (1 mask changed)"))


def row(action, entity="image", entity_id=None, **detail):
    return AuditRow(1, "2025-01-01T00:00:00+00:00", "bo", action, entity, entity_id, detail)


def test_each_action_kind_reads_as_a_sentence():
    names = AuditNames(parts={1: "part-01", 2: "part-02", 3: "p3", 4: "p4"}, classes={2: "crack"})
    cases = [
        (row("project.create", "project", path="/x.dsproj"), "bo created the project"),
        (row("class.update", "defect_class", 4, name="pore", color="#ff0000"),
            "bo changed class pore (color #ff0000)"),
        (row("class.delete", "defect_class", 4, name="pore", value=3, reassign_to=2,
            masks_changed=2), "bo deleted class pore (2 masks changed, pixels moved to crack)"),
        (row("image.import", count=12, masks=3), "bo imported 12 images (3 masks)"),
        (row("image.split", count=40), "bo split 40 images into train / val / test"),
        (row("image.assign", ids=[1, 2], assignee="anna"), "bo assigned part-01, part-02 to anna"),
        (row("image.assign", ids=[1], assignee=None), "bo assigned part-01 to nobody"),
        (row("image.split", ids=[1, 2], split="val"), "bo put part-01, part-02 in the val split"),
        (row("image.status", ids=[1, 2, 3, 4], status="in_progress"),
            "bo marked part-01, part-02 and 2 more parts in progress"),
        (row("image.relink", count=1, folder="/data"), "bo relinked 1 image to /data"),
        (row("root.add", name="parts"), "bo added storage root parts"),
        (row("model.register", "model", 5, name="unet-1"), "bo registered model unet-1"),
        (row("run.status", "inspection_run", 9, status="running"), "bo resumed inspection run #9"),
        (row("run.status", "inspection_run", 9, status="canceled"), "bo stopped inspection run #9"),
        (row("run.plan", "inspection_run", 9, images=["a", "b"]),
            "bo planned 2 parts for inspection run #9"),
        (row("run.error", "inspection_run", 9, error="OSError: disk full"),
            "bo saw inspection run #9 stop on an error: OSError: disk full"),
        (row("review.confirm", "inspection_result", 3, image_path="lot/part-02.png",
            model_grade="SCRAP", grade="SCRAP", reason=""), "bo confirmed part-02 SCRAP"),
        (row("mask.revision", "image", 2, source="prelabel", defect_pixels=1),
            "bo pre-labeled the mask of part-02 (1 defect pixel)"),
        (row("mask.revision", "image", 2, source="edit", defect_pixels=3, base=7, superseded=7),
            "bo edited the mask of part-02 (3 defect pixels), kept over revision 7 saved "
            "concurrently"),
        (row("class.reorder", "defect_class", None, order=["pore", "crack"]),
            "bo put the classes in the order pore, crack"),
        (row("job.enqueue", "job", 4, kind="train"), "bo queued train job #4"),
        (row("job.cancel", "job", 4, kind="train", status="running"), "bo canceled train job #4"),
        (row("job.finish", "job", 4, kind="train", status="failed", worker="gpu:7",
             error="gave up"), "bo saw train job #4 failed on worker gpu:7: gave up"),
    ]
    for r, expected in cases:
        assert sentence(r, names) == expected
    covered = {r.action for r, _ in cases} | {"class.add", "image.good", "setting.set",
                                              "recipe.version", "run.create",
                                              "review.override", "review.to_labeling"}
    assert covered >= set(SENTENCES)  # with the real-project test: every kind is pinned


def test_unknown_or_odd_actions_still_read():
    assert sentence(row("label.rename", "defect_class", 3, old="a", new="b")) == \
        "bo label.rename defect_class #3 (old=a, new=b)"
    assert sentence(row("image.split", split="train", ids="not-a-list")).startswith("bo ")


def test_author_is_the_os_account_not_the_environment(monkeypatch):
    import os
    import pwd

    monkeypatch.setenv("USER", "someone-else")
    monkeypatch.setenv("LOGNAME", "someone-else")
    assert user.current_user() == pwd.getpwuid(os.getuid()).pw_name


def test_author_without_an_account_entry(monkeypatch):
    import pwd

    def missing(uid):
        raise KeyError(uid)

    monkeypatch.setattr(pwd, "getpwuid", missing)
    monkeypatch.setattr(user.os, "getuid", lambda: 4242)
    assert user.current_user() == "uid-4242"
