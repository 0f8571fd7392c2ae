"""The live model's trainer on a project, and the pixel classifier as a registered model:
saved as JSON + safetensors, loaded by load_model_for_inference, used by predict_images."""

from __future__ import annotations

import hashlib
import json
import zipfile

import cv2
import numpy as np
import pytest

from app.jobs.live_model import LiveTrainer, NothingToLearn, save_live_model
from app.store import NewImage
from tests.support.pixel_parts import iou, line_part


def add_parts(project, tmp_path, seeds) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Line parts as project images: [(image id, image, true mask)]."""
    items, truth = [], []
    for seed in seeds:
        img, mask = line_part(seed)
        path = tmp_path / "parts" / f"part_{seed}.png"
        path.parent.mkdir(exist_ok=True)
        cv2.imwrite(str(path), img)
        data = path.read_bytes()
        items.append(NewImage(str(path), hashlib.sha256(data).hexdigest(), len(data),
                              img.shape[1], img.shape[0], 8, 1))
        truth.append((img, mask))
    project.images.add_many(items)
    rows = sorted(project.images.list(), key=lambda r: r.id)[-len(seeds):]
    return [(r.id, img, mask) for r, (img, mask) in zip(rows, truth, strict=True)]


@pytest.fixture
def parts(project, tmp_path):
    project.classes.add("scratch", color="#00ff00")  # value 1
    parts = add_parts(project, tmp_path, [0, 1, 2, 3, 11])
    value = project.classes.list()[0].value
    for image_id, _img, mask in parts[:3]:
        project.masks.save(image_id, np.where(mask > 0, value, 0).astype(np.uint8))
    project.images.set_status([p[0] for p in parts[:3]], "labeled")
    return parts, value


def test_trains_on_labeled_images_and_predicts_an_unlabeled_one(project, parts):
    parts, value = parts
    live = LiveTrainer(project)
    result = live.train()
    assert result.images == 3 and result.classifier.class_values == [value]
    assert result.class_counts[value] > 100 and result.pixels > result.class_counts[value]
    image_id, _img, mask = parts[4]  # never labelled
    probs = live.predict(result.classifier, image_id)
    assert probs.shape == (1, *mask.shape) and probs.dtype == np.uint8
    assert iou(probs[0] >= 128, mask > 0) > 0.5


def test_the_current_mask_counts_and_cached_rows_are_reused(project, parts):
    parts, value = parts
    live = LiveTrainer(project)
    image_id, _img, mask = parts[3]  # unlabelled in the project: painted now, not yet saved
    stroke = np.zeros_like(mask)
    stroke[mask > 0] = value
    first = live.train(current=(image_id, stroke))
    assert first.images == 4
    cached = {k: v[1] for k, v in live._rows.items()}
    again = live.train(current=(image_id, stroke))
    assert all(live._rows[k][1] is rows for k, rows in cached.items())  # nothing resampled
    for k, v in first.classifier.state().items():
        assert np.array_equal(v, again.classifier.state()[k])


def test_nothing_painted_says_so(project, tmp_path):
    project.classes.add("scratch")
    (image_id, _img, mask), = add_parts(project, tmp_path, [0])
    with pytest.raises(NothingToLearn, match="paint a defect"):
        LiveTrainer(project).train(current=(image_id, np.zeros_like(mask)))


def test_saved_model_is_registered_json_and_safetensors_and_predicts(project, parts):
    from app.jobs.prediction import predict_images
    from app.ml.inference import load_model_for_inference
    from app.ml.pixel_model import PixelPredictor

    parts, value = parts
    live = LiveTrainer(project)
    result = live.train()
    row = save_live_model(project, result)
    assert project.models.get(row.id).config["spec"]["architecture"] == "PixelClassifier"
    folder = project.models.path(row)
    config = json.loads((folder / "config.json").read_text())
    assert config["extra"]["filter_bank"]["sigmas"] == [0.7, 1.6, 3.5, 5.0]
    blob = (folder / "weights.safetensors").read_bytes()
    assert not blob.startswith(b"\x80") and not zipfile.is_zipfile(folder / "weights.safetensors")
    header = json.loads(blob[8:8 + int.from_bytes(blob[:8], "little")])
    assert {"mean", "std", "w1", "b1", "w2", "b2"} <= set(header)

    predictor = load_model_for_inference(folder)
    assert isinstance(predictor, PixelPredictor)
    image_id, img, _mask = parts[4]
    assert np.array_equal(predictor.predict(img), result.classifier.predict(img))
    report = predict_images(project, row.id, [image_id])
    assert report.predicted == [image_id] and report.class_values == [value]
    stored, values = project.models.load_prediction(image_id, row.id)
    assert np.array_equal(stored, live.predict(result.classifier, image_id))


def test_a_damaged_pixel_checkpoint_is_refused(project, parts):
    from app.ml.checkpoint import CheckpointError
    from app.ml.inference import load_model_for_inference

    row = save_live_model(project, LiveTrainer(project).train())
    weights = project.models.path(row) / "weights.safetensors"
    weights.write_bytes(weights.read_bytes()[:-4] + b"abcd")
    with pytest.raises(CheckpointError, match="sha256"):
        load_model_for_inference(project.models.path(row))


def test_a_pixel_model_grades_parts_in_the_inspector(project, parts):
    """Inspection (and grading) take the pixel classifier as they take a network."""
    from app.core.grading import ClassSetting, Recipe, Rule
    from app.jobs.inspection import PartInspector
    from app.ml.inference import load_model_for_inference

    parts, value = parts
    row = save_live_model(project, LiveTrainer(project).train())
    recipe = Recipe(classes=(ClassSetting(value, "scratch", 0.5),),
                    rules=(Rule(value, grade="SCRAP", max_area_mm2=20),))
    inspector = PartInspector(load_model_for_inference(project.models.path(row)), recipe)
    _image_id, img, _mask = parts[4]
    scratched = inspector.inspect_image(img)
    clean = np.random.default_rng(7).normal(100, 15, img.shape).clip(0, 255).astype(np.uint8)
    assert scratched.verdict.grade == "SCRAP"
    assert inspector.inspect_image(clean).verdict.grade == "OK"
