"""The one active-model rule (ModelsRepo.active_id / ranked / set_active)."""

from __future__ import annotations

import pytest

from app.store import Project

GOOD = {"miou": 0.4, "false_reject_rate": 0.1, "train_images": 40, "epochs_done": 30}
USELESS = {"miou": 0.002, "false_reject_rate": 1.0, "train_images": 6, "epochs_done": 3,
           "verdict": {"useful": False, "reason": "it finds almost nothing",
                       "suggestion": "label more images"}}


def register(p: Project, name: str, metrics: dict) -> int:
    folder = p.models.folder / name  # a team project stores the checkpoint's files: one is enough
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    return p.models.register(name, folder, {}, metrics, name, 10).id


def test_a_model_that_is_not_useful_is_never_used_unless_chosen(project):
    p = project
    assert p.models.active_id() is None and p.models.ranked() == []
    bad = register(p, "bad", USELESS)
    assert p.models.active_id() is None  # nothing usable: no pre-labels, no inspection
    good = register(p, "good", GOOD)
    assert p.models.active_id() == good  # no active one set: the newest useful model
    newer_bad = register(p, "bad2", USELESS)
    assert [m.id for m in p.models.ranked()] == [good]

    p.models.set_active(bad, chosen=True)  # a person's explicit choice is honored
    assert p.models.active_id() == bad
    assert [m.id for m in p.models.ranked()] == [bad, good]
    assert p.settings.get("active_model_id") == bad

    p.models.set_active(newer_bad, chosen=False)  # not chosen: skipped
    assert p.models.active_id() == good

    with pytest.raises(KeyError):
        p.models.set_active(999, chosen=True)
    assert p.settings.get("active_model_id") == newer_bad  # nothing changed


def test_older_projects_first_model_auto_activated_is_judged_by_its_metrics(project):
    p = project
    # Registered before verdicts were stored, made active by the old "first model" rule.
    legacy = register(p, "legacy", {"miou": 0.002, "false_reject_rate": 1.0})
    p.settings.set("active_model_id", legacy)
    assert p.models.get(legacy).verdict.useful is False
    assert p.models.active_id() is None
    good = register(p, "good", GOOD)
    assert p.models.active_id() == good


def test_a_useful_active_model_comes_first_even_when_older(project):
    p = project
    first = register(p, "first", GOOD)
    register(p, "second", {**GOOD, "miou": 0.3})
    p.models.set_active(first, chosen=False)
    assert p.models.active_id() == first
    assert [m.name for m in p.models.ranked()] == ["first", "second"]
