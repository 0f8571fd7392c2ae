"""The demo project builds itself, deterministically, with labels that match the drawn defects."""

import numpy as np

from app.core.grading.recipe import Recipe
from app.demo import GOOD_PARTS, N_PARTS, build_demo_project, make_part
from app.store import Project


def test_demo_project_contents(tmp_path):
    path = build_demo_project(tmp_path / "demo")
    with Project.open(path) as p:
        assert [c.name for c in p.classes.list()] == ["crack", "pore"]
        images = p.images.list()
        assert len(images) == N_PARTS
        assert [i.is_good for i in images] == [i in GOOD_PARTS for i in range(N_PARTS)]
        assert sum(i.status == "labeled" for i in images) == N_PARTS - 3
        for i in GOOD_PARTS:
            assert not p.masks.load(images[i].id).any()
        assert p.masks.load(images[0].id).any()
        assert p.masks.load(images[-1].id) is None  # left for the engineer
        recipe = Recipe.from_dict(p.recipes.get("housing").body)
        assert recipe.zones.names[1:] == ("sealing face",)
        assert p.settings.get("mm_per_pixel") == 0.05
    assert build_demo_project(tmp_path / "demo") == path  # reused, not rebuilt


def test_parts_are_deterministic_and_labels_match_drawing():
    a_img, a_mask = make_part(1, 1, 2)
    b_img, b_mask = make_part(1, 1, 2)
    assert np.array_equal(a_img, b_img) and np.array_equal(a_mask, b_mask)
    # defect pixels are darker than the surface right around them
    import cv2

    around = cv2.dilate((a_mask > 0).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    around &= a_mask == 0
    assert a_img[a_mask > 0].mean() < a_img[around].mean() - 20


def test_the_demo_closes_the_loop(tmp_path):
    """A model, predictions of every part and one inspection run of the new parts, built with
    the demo: every workspace has real content."""
    from app.demo import DEMO_RUN_NAME, N_NEW_PARTS, NEW_GOOD_PARTS

    path = build_demo_project(tmp_path / "demo", with_model=True)
    assert not (tmp_path / "demo.building").exists()  # built aside, then moved into place
    with Project.open(path) as p:
        (model,) = p.models.list()
        assert p.models.active_id() == model.id and model.verdict.useful is True
        assert model.metrics["val_images"] == 3 and model.metrics["miou"] >= 0.3
        assert model.metrics["detection_recall"] == 1.0  # every held-out defective part found
        assert p.models.predicted_image_ids(model.id) == {r.id for r in p.images.list()}
        (run,) = p.runs.list()
        assert run.name == DEMO_RUN_NAME and run.status == "done"
        results = p.runs.results(run.id)
        assert len(results) == N_NEW_PARTS == len(
            list((tmp_path / "demo" / "new-parts").glob("*.png")))
        assert {r.grade for r in results} >= {"OK", "SCRAP"}
        flagged = [r for r in results if r.grade != "OK"]
        assert len(flagged) >= N_NEW_PARTS - len(NEW_GOOD_PARTS)
