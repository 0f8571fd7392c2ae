"""A model earns its place: the 'not useful yet' verdict and the better-than comparison."""

from __future__ import annotations

from app.core.model_quality import ModelVerdict, assess, is_better, verdict_of

GOOD = {"miou": 0.41, "false_reject_rate": 0.1, "soft_dice": 0.5, "train_images": 60,
        "epochs_done": 40, "status": "completed"}


def test_a_model_that_finds_nothing_is_not_useful_yet_with_reason_and_suggestion():
    # The model of the report: mIoU 0.002, every good part rejected, 6 images, 3 epochs.
    v = assess({"miou": 0.002, "false_reject_rate": 1.0, "train_images": 6, "epochs_done": 3,
                "status": "completed"})
    assert v.useful is False
    assert v.reason == ("it finds almost nothing (validation mIoU 0.002) and it rejects 100% "
                        "of the good parts")
    assert v.suggestion == "label more images (it learned from 6), or train longer"
    assert v.text.startswith("not useful yet: it finds almost nothing")
    assert ModelVerdict.from_dict(v.to_dict()) == v


def test_false_rejects_alone_make_a_model_not_useful():
    v = assess({**GOOD, "false_reject_rate": 0.75})
    assert v.useful is False and v.reason == "it rejects 75% of the good parts"
    assert v.suggestion == "label more images, or train longer"  # enough data, long run
    assert assess(GOOD) == ModelVerdict(True)
    assert assess({**GOOD, "false_reject_rate": None}).useful is True  # no good parts in val
    assert assess({"status": "completed"}).useful is None  # no validation images


def test_stored_verdict_wins_over_the_metrics():
    stored = {**GOOD, "verdict": {"useful": False, "reason": "r", "suggestion": "s"}}
    assert verdict_of(stored) == ModelVerdict(False, "r", "s")
    assert verdict_of(GOOD).useful is True  # older models: assessed from their metrics


def test_better_means_higher_validation_miou_then_soft_dice():
    assert is_better(GOOD, None)
    assert is_better({**GOOD, "miou": 0.5}, GOOD)
    assert not is_better({**GOOD, "miou": 0.3}, GOOD)
    assert not is_better(GOOD, GOOD)  # a tie is no reason to switch
    assert is_better({**GOOD, "soft_dice": 0.6}, GOOD)
    assert not is_better({**GOOD, "miou": 0.01}, None)  # not useful beats nothing
    assert is_better({**GOOD, "miou": 0.06}, {**GOOD, "miou": 0.002})  # useless active one
    assert not is_better({"status": "completed"}, GOOD)  # no val metrics: a person decides


def test_too_few_good_parts_say_nothing_about_false_rejects():
    from app.core.model_quality import MIN_GOOD_PARTS, assess

    one_good = {"miou": 0.4, "false_reject_rate": 1.0, "good_parts": 1}
    assert assess(one_good).useful is True  # one good part flagged: no evidence either way
    enough = {**one_good, "good_parts": MIN_GOOD_PARTS}
    assert assess(enough).useful is False and "good parts" in assess(enough).reason
