"""Synthetic defects inside a recipe's zone: the zone is found by name, every pasted pixel of a
training sample lies inside it with its class, and training refuses a zone that does not exist."""

from __future__ import annotations

import pytest

from app.jobs.synthetic_zones import ANYWHERE, resolve_zone, synthetic_region, zone_choices
from app.ml.project_data import build_project_data
from app.ml.synthetic_training import make_synthetic
from app.store import Project
from tests.support.zoned_project import make_zoned_project


@pytest.fixture
def zoned(tmp_path):
    return make_zoned_project(tmp_path / "p", n=12, size=48)


def test_zones_are_offered_and_found_by_name(zoned):
    with Project.open(zoned) as p:
        assert [c.ref for c in zone_choices(p)] == ["housing:seal", "housing:edge"]
        assert resolve_zone(p, ANYWHERE) is None and synthetic_region(p, ANYWHERE) is None
        assert resolve_zone(p, "seal")[1] == "seal"
        assert resolve_zone(p, "housing:edge")[1] == "edge"
        with pytest.raises(ValueError, match="no zone 'lid'.*zones: housing:seal, housing:edge"):
            resolve_zone(p, "lid")
        p.recipes.save("cover", p.recipes.get("housing").body)
        with pytest.raises(ValueError, match="'seal' is in several recipes"):
            resolve_zone(p, "seal")
        assert resolve_zone(p, "cover:seal")[1] == "seal"


def test_every_pasted_pixel_lies_inside_the_zone_with_its_class(zoned):
    with Project.open(zoned) as p:
        region = synthetic_region(p, "housing:seal")
        data = build_project_data(p)
        spot = p.classes.by_name("spot").value
    goods = {s.key: s.load() for s in data.train if s.is_good}
    made = make_synthetic(data.train, data.class_values, "on", seed=1, count=12, region=region)
    pasted = 0
    for sample in made:
        image, mask = sample.load()
        good_image, good_mask = goods[sample.key.split(" on ", 1)[1]]
        zone = region(mask.shape)
        new = (mask > 0) & (good_mask == 0)
        assert (mask[new] == spot).all()
        assert zone[new].all(), sample.key
        assert zone[image != good_image].all(), sample.key  # the fading margin too
        pasted += int(new.sum())
    assert pasted > 0
    assert not zone[:8].any()  # the zone is the lower right: the rows above it got nothing


def test_training_refuses_an_unknown_zone_before_anything_is_written(zoned):
    pytest.importorskip("torch")
    from app.jobs.training import runs_folder, train_project
    from app.ml.trainer import TrainConfig

    with Project.open(zoned) as p:
        with pytest.raises(ValueError, match="no zone 'lid'"):
            train_project(p, None, TrainConfig(epochs=1, synthetic="on", synthetic_zone="lid"))
        assert p.models.list() == []
        assert not runs_folder(p).exists() or not any(runs_folder(p).iterdir())
