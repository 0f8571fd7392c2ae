"""The what-if on the labeled set with a good-parts-only model beside the model: a part its map
flags is graded with the class "anomaly" too, and a map predicted later is read on the next
sync."""

from __future__ import annotations

import numpy as np

from app.core.grading import Recipe, Rule
from app.jobs.whatif import WhatIfCache
from app.store import Project
from tests.support.grade import H, W, tiny_part_project


def test_the_anomaly_map_is_graded_beside_the_model(tmp_path):
    project_path, image_id, model_id = tiny_part_project(tmp_path)
    with Project.open(project_path) as p:
        anomaly = p.classes.add("anomaly", "#ff00ff").value
        good = p.models.register("good-only", p.models.folder / "good-only", {
            "kind": "anomaly", "classes": [{"value": anomaly, "name": "anomaly"}]}, {},
            "1" * 64, 0).id
        base = Recipe.from_dict(p.recipes.get("part").body)  # crack over 20 px: SCRAP
        recipe = base.with_rules((*base.rules, Rule(anomaly, grade="REWORK", max_count=0)))
        cache = WhatIfCache()
        assert cache.sync(p, model_id, anomaly_model_id=good).loaded == 1
        (case,) = cache.cases.values()
        assert case.class_values == [1]  # no map of the good-parts model yet
        assert cache.evaluate(recipe).cases[0].predicted == "OK"  # the 9 px crack core
        amap = np.zeros((1, H, W), np.uint8)
        amap[0, 2:8, 45:51] = 200
        p.models.save_prediction(image_id, good, amap, [anomaly])
        assert cache.sync(p, model_id, anomaly_model_id=good).loaded == 1  # read again
        (case,) = cache.cases.values()
        assert case.class_values == [1, anomaly]
        assert cache.evaluate(recipe).cases[0].predicted == "REWORK"
        assert cache.predicted_areas(anomaly).tolist() == [36]
        assert cache.evaluate(recipe.with_threshold(anomaly, 0.8)).cases[0].predicted == "OK"
        # the model alone again: its own channels only
        cache.sync(p, model_id)
        assert [c.class_values for c in cache.cases.values()] == [[1]]
