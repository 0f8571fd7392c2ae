"""The pixel classifier: a small numpy MLP on filter-bank features, trained in about a second.

    rows = [training_rows(feats, mask, complete=True, rng=rng), ...]   # per image
    clf = PixelClassifier.fit(bank, class_values, balanced(rows, class_values, rng))
    probs = clf.predict(image)                 # uint8 (C, H, W), as every model gives them
    state = clf.state(); PixelClassifier.from_state(bank, class_values, state)

Labels come from masks: a defect class's pixels are that class; background is the unpainted
pixels of a labelled image, or, on an image still in progress, the unpainted pixels at least
``IN_PROGRESS_MARGIN`` pixels away from any paint (what is near a stroke may be defect not
painted yet). A few thousand pixels per class are sampled, and classes weigh the same in the
loss whatever their counts. hidden = 0 gives multinomial logistic regression.

Pure numpy + OpenCV; weights are plain float32 arrays (stored as safetensors by app.ml).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .pixel_features import FilterBank

PER_IMAGE = 2000  # pixels sampled per class and image
PER_CLASS = 3000  # pixels per defect class in one fit, over all images
BACKGROUND = 6000  # background pixels in one fit, over all images
EDGE_MARGIN = 2  # background this close to a label (complete images) is left out: edges blur
IN_PROGRESS_MARGIN = 15
# Rows per matrix product, training and predicting. OpenBLAS threads products above about a
# million multiply-adds and, on a busy machine, then waits for its threads: measured on the
# 2-core test box, 100 iterations on 12,000 rows took 1.3 s in blocks of 1024 and 6-39 s in
# blocks of 2048.
_BLOCK = 1024


@dataclass
class TrainingRows:
    """Sampled pixels: features (N, F) float32 and their mask values (N,) uint8 (0 background,
    else the defect class value)."""

    features: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def values(self) -> set[int]:
        return set(np.unique(self.labels).tolist())


def training_rows(feats: np.ndarray, mask: np.ndarray, *, complete: bool,
                  rng: np.random.Generator, per_image: int = PER_IMAGE) -> TrainingRows:
    """Sample labelled pixels of one image: up to ``per_image`` of each defect class and of
    background. ``feats`` (F, h, w) may be smaller than ``mask`` (H, W): positions are sampled
    at full size (thin strokes count) and read at feature size."""
    if mask.dtype != np.uint8 or mask.ndim != 2:
        raise ValueError(f"a mask is a 2-D uint8 array, not {mask.dtype} {mask.shape}")
    f, h, w = feats.shape
    H, W = mask.shape
    picks, labels = [], []
    counts = np.bincount(mask.ravel(), minlength=256)
    for value in (np.flatnonzero(counts[1:]) + 1).tolist():
        picks.append(_choose(np.flatnonzero(mask == value), per_image, rng))
        labels.append(np.full(len(picks[-1]), value, np.uint8))
    margin = EDGE_MARGIN if complete else IN_PROGRESS_MARGIN
    near = mask != 0
    if margin and counts[1:].any():
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * margin + 1, 2 * margin + 1))
        near = cv2.dilate(near.view(np.uint8), k).astype(bool)
    background = _choose(np.flatnonzero(~near), per_image, rng)
    picks.append(background)
    labels.append(np.zeros(len(background), np.uint8))
    flat = np.concatenate(picks)
    ys = np.minimum(((flat // W) + 0.5) * (h / H), h - 1).astype(np.int64)
    xs = np.minimum(((flat % W) + 0.5) * (w / W), w - 1).astype(np.int64)
    rows = feats.reshape(f, -1)[:, ys * w + xs].T
    return TrainingRows(np.ascontiguousarray(rows, np.float32), np.concatenate(labels))


def _choose(idx: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    if len(idx) <= k:
        return idx
    return idx[np.sort(rng.choice(len(idx), k, replace=False))]


def balanced(rows: list[TrainingRows], class_values: list[int], rng: np.random.Generator,
             per_class: int = PER_CLASS, background: int = BACKGROUND) -> TrainingRows:
    """All images' rows of background and ``class_values``, each cut to its share at random;
    labels become channel indices (0 background, i = i-th of class_values)."""
    if not rows:
        raise ValueError("no training pixels")
    feats = np.concatenate([r.features for r in rows])
    values = np.concatenate([r.labels for r in rows])
    lut = np.full(256, 255, np.uint8)
    lut[0] = 0
    for channel, value in enumerate(class_values, start=1):
        lut[value] = channel
    labels = lut[values]
    keep = [_choose(np.flatnonzero(labels == c), background if c == 0 else per_class, rng)
            for c in range(len(class_values) + 1)]
    take = np.sort(np.concatenate(keep))
    return TrainingRows(feats[take], labels[take])


class PixelClassifier:
    """Standardize -> (dense + ReLU) -> dense -> softmax over background + the class values."""

    def __init__(self, bank: FilterBank, class_values: list[int], mean: np.ndarray,
                 std: np.ndarray, w1: np.ndarray, b1: np.ndarray,
                 w2: np.ndarray | None = None, b2: np.ndarray | None = None):
        self.bank = bank
        self.class_values = [int(v) for v in class_values]
        self.mean = np.asarray(mean, np.float32)
        self.std = np.asarray(std, np.float32)
        self.w1, self.b1 = np.asarray(w1, np.float32), np.asarray(b1, np.float32)
        self.w2 = None if w2 is None else np.asarray(w2, np.float32)
        self.b2 = None if b2 is None else np.asarray(b2, np.float32)
        out = (self.w2 if self.w2 is not None else self.w1).shape[1]
        if out != len(self.class_values) + 1 or self.w1.shape[0] != bank.num_features:
            raise ValueError(f"weights of shape {self.w1.shape} -> {out} do not fit "
                             f"{bank.num_features} features and {len(self.class_values)} classes")

    @property
    def hidden(self) -> int:
        return 0 if self.w2 is None else self.w1.shape[1]

    # training -----------------------------------------------------------------------------
    @classmethod
    def fit(cls, bank: FilterBank, class_values: list[int], rows: TrainingRows, *,
            hidden: int = 16, iterations: int = 100, learning_rate: float = 0.05,
            weight_decay: float = 1e-4, seed: int = 0) -> PixelClassifier:
        """Full-batch Adam on a class-weighted cross-entropy. Deterministic for a seed."""
        x, y = rows.features, rows.labels.astype(np.int64)
        k = len(class_values) + 1
        if len(y) == 0 or x.shape[1] != bank.num_features:
            raise ValueError("no training pixels" if len(y) == 0 else
                             f"rows have {x.shape[1]} features, the bank {bank.num_features}")
        missing = sorted(set(range(k)) - set(np.unique(y).tolist()))
        if missing:
            names = ["background" if c == 0 else f"class {class_values[c - 1]}" for c in missing]
            raise ValueError(f"no pixels of {', '.join(names)} to learn from")
        mean = x.mean(0)
        std = np.maximum(x.std(0), 1e-6)
        z = (x - mean) / std
        counts = np.bincount(y, minlength=k).astype(np.float32)
        sample_w = (len(y) / (k * counts))[y].astype(np.float32)[:, None] / len(y)
        onehot = np.eye(k, dtype=np.float32)[y]
        rng = np.random.default_rng(seed)
        f = x.shape[1]
        params = ([rng.normal(0, np.sqrt(2 / f), (f, hidden)).astype(np.float32),
                   np.zeros(hidden, np.float32),
                   rng.normal(0, np.sqrt(1 / hidden), (hidden, k)).astype(np.float32),
                   np.zeros(k, np.float32)] if hidden else
                  [np.zeros((f, k), np.float32), np.zeros(k, np.float32)])
        m = [np.zeros_like(p) for p in params]
        v = [np.zeros_like(p) for p in params]
        b1, b2, eps = 0.9, 0.999, 1e-8
        for t in range(1, iterations + 1):
            grads = _gradients(z, onehot, sample_w, params)
            lr = learning_rate * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            for p, g, mi, vi in zip(params, grads, m, v, strict=True):
                if p.ndim == 2:
                    g = g + weight_decay * p
                mi *= b1
                mi += (1 - b1) * g
                vi *= b2
                vi += (1 - b2) * g * g
                p -= lr * mi / (np.sqrt(vi) + eps)
        return cls(bank, class_values, mean, std, *params)

    # prediction ---------------------------------------------------------------------------
    def predict_features(self, feats: np.ndarray) -> np.ndarray:
        """float32 (1 + C, h, w) probabilities (background first) of features (F, h, w)."""
        f, h, w = feats.shape
        flat = feats.reshape(f, -1)
        # Standardizing folded into the first layer: no normalized copy of the features.
        w1 = (self.w1 / self.std[:, None]).T  # (H or K, F)
        b1 = (self.b1 - (self.mean / self.std) @ self.w1)[:, None]
        k = len(self.class_values) + 1
        out = np.empty((k, h * w), np.float32)
        for s in range(0, h * w, _BLOCK):
            a = w1 @ flat[:, s:s + _BLOCK] + b1
            if self.w2 is not None:
                np.maximum(a, 0, out=a)
                a = self.w2.T @ a + self.b2[:, None]  # type: ignore[index]  # b2 is set whenever w2 is
            a -= a.max(0, keepdims=True)
            np.exp(a, out=a)
            a /= a.sum(0, keepdims=True)
            out[:, s:s + _BLOCK] = a
        return out.reshape(k, h, w)

    def predict_small(self, feats: np.ndarray) -> np.ndarray:
        """uint8 (C, h, w) class probabilities at feature size."""
        probs = self.predict_features(feats)[1:]
        return np.rint(probs * 255).astype(np.uint8)

    def predict(self, image: np.ndarray, feats: np.ndarray | None = None) -> np.ndarray:
        """uint8 (C, H, W) probabilities of an image (``feats``: its features, if computed)."""
        H, W = image.shape[:2]
        feats = self.bank.compute(image) if feats is None else feats
        return upsample(self.predict_small(feats), H, W)

    # storage ------------------------------------------------------------------------------
    def state(self) -> dict[str, np.ndarray]:
        out = {"mean": self.mean, "std": self.std, "w1": self.w1, "b1": self.b1}
        if self.w2 is not None:
            out |= {"w2": self.w2, "b2": self.b2}  # type: ignore[dict-item]  # b2 is set whenever w2 is
        return {k: np.ascontiguousarray(v) for k, v in out.items()}

    @classmethod
    def from_state(cls, bank: FilterBank, class_values: list[int],
                   state: dict[str, np.ndarray]) -> PixelClassifier:
        try:
            return cls(bank, class_values, state["mean"], state["std"], state["w1"], state["b1"],
                       state.get("w2"), state.get("b2"))
        except KeyError as e:
            raise ValueError(f"pixel classifier weights lack {e}") from None


def upsample(probs: np.ndarray, height: int, width: int) -> np.ndarray:
    """uint8 (C, h, w) -> (C, height, width), bilinear."""
    if probs.shape[1:] == (height, width):
        return probs
    out = np.empty((probs.shape[0], height, width), np.uint8)
    for c in range(probs.shape[0]):
        cv2.resize(probs[c], (width, height), dst=out[c], interpolation=cv2.INTER_LINEAR)
    return out


def _gradients(z, onehot, sample_w, params):
    """Gradients of the weighted cross-entropy for [w1, b1, (w2, b2)], summed over row blocks
    (see _BLOCK)."""
    grads = [np.zeros_like(p) for p in params]
    for s in range(0, len(z), _BLOCK):
        zb, ob, wb = z[s:s + _BLOCK], onehot[s:s + _BLOCK], sample_w[s:s + _BLOCK]
        if len(params) == 2:
            w, b = params
            d = (_softmax(zb @ w + b) - ob) * wb
            parts = [zb.T @ d, d.sum(0)]
        else:
            w1, b1, w2, b2 = params
            pre = zb @ w1 + b1
            hid = np.maximum(pre, 0)
            d2 = (_softmax(hid @ w2 + b2) - ob) * wb
            d1 = (d2 @ w2.T) * (pre > 0)
            parts = [zb.T @ d1, d1.sum(0), hid.T @ d2, d2.sum(0)]
        for g, part in zip(grads, parts, strict=True):
            g += part
    return grads


def _softmax(a: np.ndarray) -> np.ndarray:
    a = a - a.max(1, keepdims=True)
    np.exp(a, out=a)
    a /= a.sum(1, keepdims=True)
    return a
