"""What-if arithmetic (app.core.whatif) and the regrade cache (app.jobs.whatif) on hand-made
sets whose answers are counted by hand."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.grading import ClassSetting, GradeScale, Recipe, Rule, grade
from app.core.inspection_record import InspectionRecord
from app.core.whatif import (
    SWEEP_THRESHOLDS,
    Case,
    OperatingPoint,
    confusion,
    curve,
    escapes,
    false_rejects,
    sweep_order,
)
from app.jobs.context import Canceled, JobContext
from app.jobs.whatif import SparseMap, WhatIfCache, make_case, rules_key

# true, predicted: 3 good (1 false reject), 4 bad (2 escapes, one SCRAP graded REWORK)
HAND = [
    Case("a", "OK", "OK"),
    Case("b", "OK", "OK"),
    Case("c", "OK", "SCRAP"),  # false reject
    Case("d", "REWORK", "OK"),  # escape
    Case("e", "SCRAP", "OK"),  # escape
    Case("f", "SCRAP", "REWORK"),  # under-graded, not an escape
    Case("g", "REWORK", "REWORK"),
]


def test_confusion_counts_by_hand():
    c = confusion(HAND)
    assert c.levels == ("OK", "REWORK", "SCRAP")
    assert c.counts.tolist() == [[2, 0, 1], [1, 1, 0], [1, 1, 0]]
    assert (c.n, c.good, c.bad) == (7, 3, 4)
    assert (c.escapes, c.false_rejects, c.under_graded) == (2, 1, 3)
    assert c.escape_rate == pytest.approx(2 / 4)
    assert c.false_reject_rate == pytest.approx(1 / 3)
    assert c.agreement == pytest.approx(3 / 7)
    assert c.count("SCRAP", "REWORK") == 1
    assert escapes(HAND) == ["d", "e"]
    assert false_rejects(HAND) == ["c"]


def test_rates_are_none_without_parts_to_divide_by():
    c = confusion([Case(1, "OK", "OK")])
    assert c.escape_rate is None and c.false_reject_rate == 0.0
    empty = confusion([])
    assert empty.n == 0 and empty.escape_rate is None and empty.agreement is None


def test_other_scales_and_unknown_grades():
    scale = GradeScale(("PASS", "FAIL"))
    c = confusion([Case(1, "FAIL", "PASS"), Case(2, "PASS", "FAIL")], scale)
    assert (c.escapes, c.false_rejects) == (1, 1)
    with pytest.raises(KeyError):
        confusion([Case(1, "OK", "MAYBE")])


def test_operating_points_and_curve():
    p = OperatingPoint.of(0.4, confusion(HAND))
    assert (p.escapes, p.false_rejects, p.n) == (2, 1, 7)
    q = OperatingPoint(0.2, None, 0.5, 0, 1, 2)
    t, fr, esc = curve([p, q])
    assert t.tolist() == [0.2, 0.4] and np.isnan(esc[0]) and fr[1] == pytest.approx(1 / 3)


def test_sweep_visits_21_thresholds_nearest_first():
    assert len(SWEEP_THRESHOLDS) == 21 and sorted(SWEEP_THRESHOLDS) == list(SWEEP_THRESHOLDS)
    order = sweep_order(SWEEP_THRESHOLDS, 0.5)
    assert order[0] == 0.5 and set(order[1:3]) == {0.55, 0.45} and order[-1] == 0.99
    assert min(SWEEP_THRESHOLDS) == 0.05


@pytest.mark.parametrize("kind", ["empty", "one blob", "noise"])
def test_sparse_map_round_trip(kind):
    rng = np.random.default_rng(3)
    arr = np.zeros((2, 200, 130), np.uint8)
    if kind == "one blob":
        arr[1, 150:170, 100:128] = rng.integers(1, 255, (20, 28), dtype=np.uint8)
    elif kind == "noise":
        arr[:] = rng.integers(0, 255, arr.shape, dtype=np.uint8)
    s = SparseMap(arr)
    assert np.array_equal(s.dense(), arr) and s.dense().shape == arr.shape
    assert SparseMap(arr[0]).dense().shape == (200, 130)
    if kind != "noise":
        assert s.nbytes <= 64 * 64  # only the tiles holding values


# -- the cache ---------------------------------------------------------------------------------

def blob(mask, x, y, r, value):
    yy, xx = np.mgrid[: mask.shape[0], : mask.shape[1]]
    mask[(xx - x) ** 2 + (yy - y) ** 2 <= r * r] = value


def hand_set():
    """4 parts of 40 x 60, class 1; rule: any defect over 20 px -> SCRAP.
    0: good, clean prediction          -> OK / OK
    1: good, prediction has a false blob (p=0.6) -> OK / SCRAP (false reject at t <= 0.6)
    2: bad (blob r=4), predicted p=0.9 -> SCRAP / SCRAP
    3: bad (blob r=4), predicted p=0.3 -> SCRAP / OK (escape at t > 0.3)
    """
    parts = []
    for i, (true_blob, p) in enumerate([(False, 0), (False, 153), (True, 230), (True, 77)]):
        label = np.zeros((40, 60), np.uint8)
        probs = np.zeros((1, 40, 60), np.uint8)
        if true_blob:
            blob(label, 30, 20, 4, 1)
        if p:
            blob(probs[0], 30, 20, 4, p)
        parts.append(make_case(i, probs, [1], label, sha256=f"sha{i}"))
    recipe = Recipe(classes=(ClassSetting(1, "crack", 0.5),),
                    rules=(Rule(1, grade="SCRAP", max_area_mm2=20),))
    return parts, recipe


def cache_of(parts) -> WhatIfCache:
    cache = WhatIfCache()
    cache.label_values = [1]
    for p in parts:
        cache.add(p)
    return cache


def test_evaluate_counts_escapes_and_false_rejects():
    parts, recipe = hand_set()
    cache = cache_of(parts)
    r = cache.evaluate(recipe)
    assert [(c.key, c.true, c.predicted) for c in r.cases] == [
        (0, "OK", "OK"), (1, "OK", "SCRAP"), (2, "SCRAP", "SCRAP"), (3, "SCRAP", "OK")]
    assert r.vs_labels.escape_keys == (3,) and r.vs_labels.false_reject_keys == (1,)
    assert r.vs_review is None
    # a higher threshold removes the false reject; a lower one catches the escape
    assert cache.evaluate(recipe.with_threshold(1, 0.7)).vs_labels.false_rejects == 0
    low = cache.evaluate(recipe.with_threshold(1, 0.25)).vs_labels
    assert (low.escapes, low.false_rejects) == (0, 1)


def test_evaluate_matches_grade_and_reuses_components():
    parts, recipe = hand_set()
    cache = cache_of(parts)
    for t in (0.5, 0.2, 0.5, 0.65):
        r = recipe.with_threshold(1, t)
        got = [c.predicted for c in cache.evaluate(r).cases]
        want = [grade(p.probs.dense(), [1], r).grade for p in parts]
        assert got == want
    comps = parts[2].comps[0]
    cache.evaluate(recipe.with_threshold(1, 0.65).with_rules(recipe.rules))
    assert parts[2].comps[0] is comps  # same threshold and floor: not searched again


def test_true_grade_is_kept_until_the_rules_change():
    parts, recipe = hand_set()
    cache = cache_of(parts)
    cache.evaluate(recipe)
    key = parts[2].true[0]
    cache.evaluate(recipe.with_threshold(1, 0.3))
    assert parts[2].true[0] == key == rules_key(recipe.with_threshold(1, 0.9))
    loose = recipe.with_rules((Rule(1, grade="SCRAP", max_area_mm2=1000),))
    r = cache.evaluate(loose)
    assert parts[2].true[0] != key and {c.true for c in r.cases} == {"OK"}


def test_review_verdicts_by_sha256():
    parts, recipe = hand_set()
    cache = cache_of(parts)
    cache.reviews = {"sha3": "SCRAP", "sha0": "REWORK", "other": "OK"}
    r = cache.evaluate(recipe)
    assert r.reviewed == 2
    assert r.vs_review.count("SCRAP", "OK") == 1 and r.vs_review.count("REWORK", "OK") == 1


def test_sweep_points_and_cancel():
    parts, recipe = hand_set()
    cache = cache_of(parts)
    heard = []
    points = cache.sweep(recipe, 1, thresholds=(0.1, 0.5, 0.95), on_point=heard.append)
    assert [p.threshold for p in points] == [0.5, 0.1, 0.95] and heard == points
    by_t = {p.threshold: p for p in points}
    assert (by_t[0.1].escapes, by_t[0.1].false_rejects) == (0, 1)
    assert (by_t[0.95].escapes, by_t[0.95].false_rejects) == (2, 0)
    assert not parts[2].comps  # the swept class is never cached by a sweep
    ctx = JobContext()
    ctx.cancel()
    with pytest.raises(Canceled):
        cache.sweep(recipe, 1, ctx)


def test_sync_reads_the_project_once_and_follows_changes(tmp_path):
    from app.store import Project
    from tests.support.grade import tiny_part_project

    project_path, image_id, model_id = tiny_part_project(tmp_path)
    with Project.open(project_path) as p:
        recipe = Recipe.from_dict(p.recipes.get("part").body)
        cache = WhatIfCache()
        first = cache.sync(p, model_id)
        assert (first.loaded, first.skipped) == (1, 0)
        assert cache.sync(p, model_id).loaded == 0  # nothing changed: nothing decoded
        r = cache.evaluate(recipe)
        assert r.vs_labels.count("SCRAP", "OK") == 1 and r.vs_review is None
        # a reviewer's grade of the same file (matched by sha256) is a second truth
        row = p.images.get(image_id)
        run = p.runs.create("line", model_id, p.recipes.get("part").id)
        result = p.runs.add_result(run.id, row.rel_path, InspectionRecord(
            "OK", sha256=row.sha256))
        p.runs.decide(result, "override", "REWORK", reason="too big")
        cache.sync(p, model_id)
        r = cache.evaluate(recipe)
        assert r.reviewed == 1 and r.vs_review.count("REWORK", "OK") == 1
        # an edited label is decoded again; a removed prediction drops the part
        p.masks.save(image_id, np.zeros((row.height, row.width), np.uint8))
        assert cache.sync(p, model_id).loaded == 1
        assert cache.evaluate(recipe).vs_labels.count("OK", "OK") == 1
        p.models.clear_prediction(image_id)
        report = cache.sync(p, model_id)
        assert (report.dropped, report.skipped, len(cache.cases)) == (1, 1, 0)
