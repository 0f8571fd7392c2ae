"""Textured good parts and pasted blowholes for the good-parts-only model's tests."""

from __future__ import annotations

import hashlib

import cv2
import numpy as np

from app.store import NewImage

SIZE = 160


def good_part(seed: int, size: int = SIZE) -> np.ndarray:
    """A textured gray part: fine stripes, a slow shading and sensor noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:size, :size].astype(np.float32)
    phase = rng.uniform(0, 2 * np.pi)
    img = 120 + 25 * np.sin(x * 0.8 + phase) + 0.2 * (y - size / 2) * rng.uniform(-1, 1)
    img += rng.normal(0, 4, img.shape)
    return img.clip(0, 255).astype(np.uint8)


def with_defect(
    img: np.ndarray, y: int = 40, x: int = 44, r: int = 5
) -> tuple[np.ndarray, np.ndarray]:
    """A dark blowhole pasted on a part: (image, its mask)."""
    out = img.copy()
    mask = np.zeros(img.shape, np.uint8)
    cv2.circle(mask, (x, y), r, 1, -1)
    out[mask > 0] = 20
    return out, mask


def add_images(project, folder, images, good: bool) -> list[int]:
    folder.mkdir(parents=True, exist_ok=True)
    items = []
    start = len(project.images.list())
    for i, img in enumerate(images):
        path = folder / f"part_{start + i}.png"
        cv2.imwrite(str(path), img)
        data = path.read_bytes()
        items.append(NewImage(str(path), hashlib.sha256(data).hexdigest(), len(data),
                              img.shape[1], img.shape[0], 8, 1, is_good=good))
    project.images.add_many(items)
    return [r.id for r in sorted(project.images.list(), key=lambda r: r.id)][-len(images):]


def register_good_only_model(project, name: str = "good-only", seed: int = 0):
    """A small good-parts-only model (16 good parts learned, 16 held out to calibrate at a 1 %
    false-reject rate, 300 patches) registered with the project's "anomaly" class; its
    ModelRow. Not made active. (Format 2's wider features spread a part's score more: 3
    calibration parts left fresh good parts over the threshold by chance.)"""
    from app.jobs.anomaly_training import anomaly_class
    from app.ml.anomaly_model import fit_anomaly, save_anomaly_model, shared_features
    from app.ml.checkpoint import ClassInfo

    model = fit_anomaly(shared_features(3), [good_part(s) for s in range(seed, seed + 16)],
                        [good_part(s) for s in range(seed + 100, seed + 116)],
                        false_reject_rate=0.01, memory_size=300)
    cls = anomaly_class(project)
    folder = project.models.folder / name
    metrics = {"kind": "good parts only", "train_images": 16, "calibration_images": 16}
    saved = save_anomaly_model(folder, model, ClassInfo(cls.value, cls.name, cls.color), metrics)
    return project.models.register(name, folder, saved.to_dict(), metrics, saved.weights_sha256, 16)
