"""Per-pixel features for the pixel classifier (the live model): an OpenCV filter bank.

    bank = FilterBank()                      # sigmas 0.7, 1.6, 3.5, 5; at most 0.5 MP of features
    feats = bank.compute(image)              # float32 (F, h, w), h x w = bank.work_shape(H, W)
    bank.names(channels=1)                   # what each of the F planes is

Per sigma s, on the gray image scaled 0..1 (uint8 / 255, uint16 / 65535): the Gaussian, its
gradient magnitude, the Laplacian of Gaussian, the difference of Gaussians (s and 1.6 s), the
two Hessian eigenvalues and the two structure-tensor eigenvalues (inner scale s, outer s);
derivatives are scaled by s (first) and s^2 (second) so the scales compare. A colour image
adds each channel's Gaussian per sigma. ilastik's pixel classification uses the same family.

Large images are first shrunk (INTER_AREA) so the features hold at most ``max_pixels`` pixels
each (default 0.5 MP: 32 float32 planes of it are 64 MB, and a 2 MP part gets its pre-labels
in well under a second; bench/bench_live_model.py); the classifier's probabilities are
upsampled back. Sigmas of 3.2 px and more are computed at half size (pyrDown), upsampled
before any magnitude or eigenvalue is taken, so that a thin defect gives the same features
wherever it falls on the coarse grid. Pure numpy + OpenCV, deterministic (fixed border mode,
no cv2.magnitude).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

SIGMAS = (0.7, 1.6, 3.5, 5.0)
PER_SIGMA = ("gauss", "gradmag", "log", "dog", "hess_hi", "hess_lo", "st_hi", "st_lo")
DOG_RATIO = 1.6
_BORDER = cv2.BORDER_REFLECT_101


@dataclass(frozen=True)
class FilterBank:
    sigmas: tuple[float, ...] = SIGMAS
    max_pixels: int = 500_000  # features are computed at a scale holding at most this many
    channels: int = 1  # 1: gray features; 3: plus each colour channel's Gaussians

    def __post_init__(self) -> None:
        object.__setattr__(self, "sigmas", tuple(float(s) for s in self.sigmas))
        if not self.sigmas or min(self.sigmas) <= 0:
            raise ValueError(f"sigmas must be positive, got {self.sigmas}")
        if self.channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3, got {self.channels}")
        if self.max_pixels < 64:
            raise ValueError(f"max_pixels must be at least 64, got {self.max_pixels}")

    @property
    def num_features(self) -> int:
        return len(self.names())

    def names(self) -> list[str]:
        out = [f"{n}_{s:g}" for s in self.sigmas for n in PER_SIGMA]
        if self.channels == 3:
            out += [f"{c}_gauss_{s:g}" for s in self.sigmas for c in "rgb"]
        return out

    def scale(self, height: int, width: int) -> float:
        """Factor (<= 1) from image pixels to feature pixels."""
        pixels = height * width
        return 1.0 if pixels <= self.max_pixels else math.sqrt(self.max_pixels / pixels)

    def work_shape(self, height: int, width: int) -> tuple[int, int]:
        s = self.scale(height, width)
        return max(1, round(height * s)), max(1, round(width * s))

    def compute(self, image: np.ndarray) -> np.ndarray:
        """float32 (F, h, w) features of an image (gray or RGB, uint8 or uint16)."""
        img = _as_float(image, self.channels)
        h, w = self.work_shape(*img.shape[:2])
        if (h, w) != img.shape[:2]:
            img = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)
        gray = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
        out = np.empty((self.num_features, h, w), np.float32)
        pyramid = [gray]
        n = len(PER_SIGMA)
        for i, s in enumerate(self.sigmas):
            level = _level(s)
            while len(pyramid) <= level:
                pyramid.append(cv2.pyrDown(pyramid[-1], borderType=_BORDER))
            f = 2 ** level
            residual = math.sqrt(max(s * s - _PYR_VAR[level], (0.5 * f) ** 2)) / f
            planes = _linear_planes(pyramid[level], residual, s / f)
            if level:
                # Only linear, smooth quantities are upsampled; magnitudes and eigenvalues
                # are taken after, at full size, so they do not depend on where a thin
                # defect falls on the coarse grid. pyrDown's pixel i sits on full-size pixel
                # f * i: full-size x reads level x / f.
                back = np.array([[1 / f, 0, 0], [0, 1 / f, 0]], np.float64)
                planes = [cv2.warpAffine(p, back, (w, h), flags=cv2.INTER_LINEAR
                                         | cv2.WARP_INVERSE_MAP,
                                         borderMode=cv2.BORDER_REPLICATE) for p in planes]
            _combine(planes, out[i * n:(i + 1) * n])
        k = len(self.sigmas) * n
        if self.channels == 3:
            for s in self.sigmas:
                for c in range(3):
                    cv2.GaussianBlur(np.ascontiguousarray(img[..., c]), (0, 0), s, dst=out[k],
                                     borderType=_BORDER)
                    k += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"sigmas": list(self.sigmas), "max_pixels": self.max_pixels,
                "channels": self.channels}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FilterBank:
        return cls(tuple(d["sigmas"]), int(d["max_pixels"]), int(d["channels"]))


def _as_float(image: np.ndarray, channels: int) -> np.ndarray:
    """0..1 float32, gray (H, W) or RGB (H, W, 3) as the bank wants it."""
    if image.dtype == np.uint8:
        img = image.astype(np.float32) * (1 / 255)
    elif image.dtype == np.uint16:
        img = image.astype(np.float32) * (1 / 65535)
    else:
        raise ValueError(f"images are uint8 or uint16, not {image.dtype}")
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    if img.ndim == 2 and channels == 3:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2RGB)  # type: ignore[assignment]  # numpy/OpenCV stubs are narrower than the run time
    elif img.ndim == 3 and channels == 1:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)  # type: ignore[assignment]  # numpy/OpenCV stubs are narrower than the run time
    if img.ndim not in (2, 3):
        raise ValueError(f"an image is (H, W) or (H, W, 3), not {image.shape}")
    return img


def _hypot(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """sqrt(a^2 + b^2) into out, in numpy: cv2.magnitude's result varies in the last bit with
    the arrays' alignment, and the features must not vary between runs."""
    np.multiply(a, a, out=out)
    out += b * b
    return np.sqrt(out, out=out)


def _eig2(a: np.ndarray, b: np.ndarray, c: np.ndarray, hi: np.ndarray, lo: np.ndarray) -> None:
    """Eigenvalues of the symmetric [[a, c], [c, b]] per pixel, larger into hi, smaller into lo."""
    np.subtract(a, b, out=lo)
    lo *= 0.5
    _hypot(lo, c, lo)  # d: half the eigenvalues' difference
    np.add(a, b, out=hi)
    hi *= 0.5  # their mean
    hi += lo  # mean + d
    lo *= -2
    lo += hi  # mean - d


def _level(sigma: float) -> int:
    """Pyramid level a sigma is computed at: blurs of 3.5 px cost 4x less at half the size,
    and at 1.6 level pixels or more what they keep is smooth enough to upsample linearly."""
    level = 0
    while level < len(_PYR_VAR) - 1 and 2 ** (level + 1) * 1.6 <= sigma:
        level += 1
    return level


# Variance (in image pixels^2) of the blur pyrDown has already applied at each level: its
# [1 4 6 4 1] / 16 kernel has variance 1 in the pixels of the level it reads.
_PYR_VAR = (0.0, 1.0, 5.0, 21.0)


def _linear_planes(gray: np.ndarray, blur: float, s: float) -> list[np.ndarray]:
    """G, its difference of Gaussians, first and second derivatives, and the structure
    tensor's entries for one sigma. ``blur``: the Gaussian still to apply (in the pixels of
    ``gray``); ``s``: the sigma in those pixels, which scales the derivatives (s for first,
    s^2 for second) so that every scale compares."""
    g = cv2.GaussianBlur(gray, (0, 0), blur, borderType=_BORDER)
    # Sobel 3x3 kernels carry a [1, 2, 1] smoothing: 1/8 and 1/4 make them unit derivatives.
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3, scale=s / 8, borderType=_BORDER)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3, scale=s / 8, borderType=_BORDER)
    s2 = s * s
    gxx = cv2.Sobel(g, cv2.CV_32F, 2, 0, ksize=3, scale=s2 / 4, borderType=_BORDER)
    gyy = cv2.Sobel(g, cv2.CV_32F, 0, 2, ksize=3, scale=s2 / 4, borderType=_BORDER)
    gxy = cv2.Sobel(g, cv2.CV_32F, 1, 1, ksize=3, scale=s2 / 4, borderType=_BORDER)
    dog = cv2.GaussianBlur(g, (0, 0), s * math.sqrt(DOG_RATIO ** 2 - 1), borderType=_BORDER)
    np.subtract(g, dog, out=dog)
    jxx = cv2.GaussianBlur(gx * gx, (0, 0), s, borderType=_BORDER)
    jyy = cv2.GaussianBlur(gy * gy, (0, 0), s, borderType=_BORDER)
    jxy = cv2.GaussianBlur(gx * gy, (0, 0), s, borderType=_BORDER)
    return [g, dog, gx, gy, gxx, gyy, gxy, jxx, jyy, jxy]


def _combine(planes: list[np.ndarray], out: np.ndarray) -> None:
    """The PER_SIGMA planes into out (8, h, w)."""
    g, dog, gx, gy, gxx, gyy, gxy, jxx, jyy, jxy = planes
    out[0] = g
    _hypot(gx, gy, out[1])
    np.add(gxx, gyy, out=out[2])
    out[3] = dog
    _eig2(gxx, gyy, gxy, out[4], out[5])
    _eig2(jxx, jyy, jxy, out[6], out[7])


class FeatureCache:
    """Features per key (an image id), least recently used dropped past ``max_bytes``.
    Not thread-safe: one owner (the live model's worker) uses it."""

    def __init__(self, max_bytes: int = 512 << 20):
        self.max_bytes = max_bytes
        self._items: OrderedDict[Any, np.ndarray] = OrderedDict()

    def get(self, key, compute) -> np.ndarray:
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        feats = compute()
        self._items[key] = feats
        while len(self._items) > 1 and sum(f.nbytes for f in self._items.values()) > self.max_bytes:
            self._items.popitem(last=False)
        return feats

    def drop(self, key) -> None:
        self._items.pop(key, None)

    def __contains__(self, key) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)
