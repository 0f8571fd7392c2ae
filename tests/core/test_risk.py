"""Borderline checks and the risk ordering of app.core.risk, on hand-made probability maps."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.grading import ClassSetting, Polygon, Recipe, Rule, Zone, ZoneCache, ZoneSet, grade
from app.core.risk import ERROR_RISK, RiskConfig, assess, risk_score

CRACK = 1


def recipe(*rules: Rule, t: float = 0.5) -> Recipe:
    return Recipe(classes=(ClassSetting(CRACK, "crack", t),), rules=rules)


def blob(h: int, w: int, box: tuple[int, int, int, int], p: float) -> np.ndarray:
    """(1, h, w) uint8 probabilities: `p` inside box (x, y, w, h), 0 elsewhere."""
    probs = np.zeros((1, h, w), np.uint8)
    x, y, bw, bh = box
    probs[0, y:y + bh, x:x + bw] = round(p * 255)
    return probs


def checks(risk) -> list[str]:
    return sorted(b.check for b in risk.borderline)


def run(probs, r: Recipe, **cfg):
    verdict = grade(probs, [CRACK], r)
    return verdict, assess(verdict, r, probs, [CRACK], ZoneCache(), RiskConfig(**cfg))


def test_a_clean_certain_ok_part_is_not_flagged():
    verdict, risk = run(blob(50, 50, (10, 10, 5, 5), 0.95), recipe(Rule(CRACK, max_area_mm2=100)))
    assert verdict.grade == "OK" and not risk.flagged and risk.score == 0.0
    assert risk.borderline == ()


def test_a_weak_detection_is_borderline_by_probability():
    r = recipe(Rule(CRACK, max_area_mm2=100))
    _, risk = run(blob(50, 50, (10, 10, 5, 5), 0.55), r, threshold_delta=0)
    assert checks(risk) == ["probability"] and risk.flagged
    b = risk.borderline[0]
    assert b.component == 0 and b.limit == 0.5 and b.value == pytest.approx(0.55, abs=0.003)
    assert b.closeness == pytest.approx(0.5, abs=0.03)
    assert "peak probability 0.55" in b.text and "threshold 0.50" in b.text
    # A class no rule grades is not worth a review.
    _, quiet = run(blob(50, 50, (10, 10, 5, 5), 0.55), recipe(), threshold_delta=0)
    assert quiet.borderline == ()


@pytest.mark.parametrize("side, area, near", [(9, 81, False), (10, 100, True), (11, 121, True),
                                              (12, 144, False)])
def test_an_area_within_20_percent_of_a_limit_is_borderline(side, area, near):
    r = recipe(Rule(CRACK, grade="REWORK", max_area_mm2=110))
    verdict, risk = run(blob(60, 60, (5, 5, side, side), 0.95), r)
    assert verdict.grade == ("REWORK" if area > 110 else "OK")
    assert ("measurement" in checks(risk)) == near
    if near:
        b = next(b for b in risk.borderline if b.check == "measurement")
        assert b.value == area and b.limit == 110
        assert b.closeness == pytest.approx(1 - abs(area - 110) / 22)


def test_length_is_measured_on_the_piece_inside_the_zone():
    """A crack 40 px long, 10 px of it in a zone that limits length to 9 px."""
    zone = Zone("seal", (Polygon([(0, 0), (9, 0), (9, 19), (0, 19)]),))
    r = Recipe(classes=(ClassSetting(CRACK, "crack", 0.5),), zones=ZoneSet((zone,)),
               rules=(Rule(CRACK, "seal", "SCRAP", max_length_mm=9.0),
                      Rule(CRACK, grade="OK")))
    verdict, risk = run(blob(20, 60, (0, 5, 40, 1), 0.95), r, threshold_delta=0)
    assert verdict.grade == "SCRAP"
    (b,) = risk.borderline
    assert (b.check, b.zone, b.value, b.limit) == ("measurement", "seal", 10.0, 9.0)


def test_a_count_at_its_limit_is_borderline():
    r = recipe(Rule(CRACK, grade="REWORK", max_count=3))
    probs = np.zeros((1, 40, 80), np.uint8)
    for x in (5, 25, 45):
        probs[0, 10:14, x:x + 4] = 240
    verdict, risk = run(probs, r)
    assert verdict.grade == "OK" and checks(risk) == ["count"]
    assert risk.borderline[0].value == 3 and risk.borderline[0].closeness == 0.5
    probs[0, 30:34, 60:64] = 240
    verdict, risk = run(probs, r)
    assert verdict.grade == "REWORK" and checks(risk) == ["count"]


def test_a_grade_that_flips_with_a_small_threshold_change_is_borderline():
    """A soft blob: its core passes 0.5, its rim 0.46; the limit sits between the two areas."""
    probs = blob(60, 60, (10, 10, 20, 20), 0.46)
    probs[0, 15:25, 15:25] = round(0.9 * 255)
    r = recipe(Rule(CRACK, grade="SCRAP", max_area_mm2=300))
    verdict, risk = run(probs, r, measure_margin=0, prob_margin=0)
    assert verdict.grade == "OK"
    (b,) = risk.borderline
    assert b.check == "threshold" and "SCRAP" in b.text and "lowered by 0.05" in b.text
    _, steady = run(probs, r, measure_margin=0, prob_margin=0, threshold_delta=0.02)
    assert steady.borderline == ()


def test_no_regrade_when_no_pixel_lies_near_a_threshold(monkeypatch):
    import app.core.risk as risk_module

    calls = []
    real = risk_module.grade
    monkeypatch.setattr(risk_module, "grade", lambda *a, **k: calls.append(1) or real(*a, **k))
    r = recipe(Rule(CRACK, max_area_mm2=100))
    probs = blob(50, 50, (10, 10, 5, 5), 0.95)  # 0 and 0.95 only: no band pixel
    _, risk = run(probs, r)
    assert calls == [] and risk.borderline == ()
    probs[0, 0, 0] = round(0.47 * 255)  # one pixel in [t - delta, t): lowering is re-graded
    run(probs, r)
    assert calls == [1]


def test_risk_orders_worst_grade_first_then_closeness():
    r = Recipe(classes=(ClassSetting(CRACK, "crack", 0.5),),
               rules=(Rule(CRACK, grade="REWORK", max_area_mm2=100),
                      Rule(CRACK, grade="SCRAP", max_area_mm2=400)))
    parts = {
        "scrap, just over": blob(80, 80, (0, 0, 21, 20), 0.95),  # 420: is it really scrap?
        "scrap, far over": blob(80, 80, (0, 0, 40, 40), 0.95),  # 1600
        "rework, far": blob(80, 80, (0, 0, 15, 15), 0.95),  # 225
        "ok, near": blob(80, 80, (0, 0, 9, 10), 0.95),  # 90
        "ok, clean": blob(80, 80, (0, 0, 5, 5), 0.95),  # 25
    }
    scores = {k: run(p, r)[1].score for k, p in parts.items()}
    assert sorted(scores, key=scores.get, reverse=True) == list(parts)
    assert all(0 <= s < ERROR_RISK for s in scores.values())
    assert risk_score(0, 3, 1.0) < risk_score(1, 3, 0.0) < risk_score(2, 3, 0.0) < ERROR_RISK


def test_without_probabilities_the_threshold_check_is_skipped():
    r = recipe(Rule(CRACK, max_area_mm2=100))
    probs = blob(50, 50, (0, 0, 10, 10), 0.95)
    verdict = grade(probs, [CRACK], r)
    risk = assess(verdict, r)
    assert checks(risk) == ["measurement"] and risk.flagged  # 100 = the limit, passes


def test_config_rejects_negative_margins():
    with pytest.raises(ValueError, match="prob_margin"):
        RiskConfig(prob_margin=-0.1)
