"""The runner a deployment package carries as runner.py: it computes the package's probability
maps with numpy, OpenCV and (for the good-parts-only model) ONNX Runtime alone, the way the app
computes them, for the models whose maps are not a network's softmax (segmentation packages are
fed to ONNX Runtime as deploy.json's "preprocessing" says).

    python runner.py PACKAGE_FOLDER IMAGE... [--out FOLDER] [--threads N]
        prints each image's largest probability per class; with --out writes NAME.CLASS.png
        (uint8 maps, 255 = probability 1); exit status 1 when an image was skipped

    from runner import open_runner                     # beside deploy.json
    maps = open_runner("package/").predict(image)      # uint8 (C, H, W), channels as "classes"

`image`: uint8 or uint16, gray (H, W) or RGB (H, W, 3) (OpenCV reads BGR: convert it, as
read_image does). A pixel is a defect of class i where maps[i] >= round(threshold * 255); the
recipe in deploy.json then grades its components (areas, zones, rules) as the app does.

Kinds (deploy.json "kind"):
- "anomaly": the image is scaled to "work_size" x "work_size" (OpenCV INTER_AREA), normalized,
  its mean subtracted (the part's own brightness), and ONNX Runtime turns it into unit patch
  features at "feature_stride"; each patch scores its distance to the nearest row of the
  memory (arrays.npz "memory"); the score grid is resized bilinearly (OpenCV) by the stride,
  blurred with a Gaussian of "smooth_sigma", resized bilinearly to the image, and mapped to
  p = clip(0.5 * (score - floor) / (threshold - floor), 0, 1): p = 0.5 is the score that flags
  the chosen false-reject rate of good parts.
- "PixelClassifier": the filter bank and the classifier head are the app's own numpy + OpenCV
  files, carried in ds_pixel/; the head's weights are arrays.npz.

This file imports nothing from the app (deploy copies it into packages as it is), and arrays
are read with numpy's allow_pickle=False: nothing in a package runs code or unpickles.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

import cv2
import numpy as np

MANIFEST = "deploy.json"
PIXEL_LIB = "ds_pixel"  # the pixel classifier's modules inside a package


def to_unit_float(image: np.ndarray) -> np.ndarray:
    """uint8 / 255, uint16 / 65535 (as app.ml.preprocess)."""
    if image.dtype == np.uint8:
        return image.astype(np.float32) * np.float32(1 / 255)
    if image.dtype == np.uint16:
        return image.astype(np.float32) * np.float32(1 / 65535)
    raise ValueError(f"unsupported image type {image.dtype} (expected uint8 or uint16)")


def match_channels(image: np.ndarray, channels: int) -> np.ndarray:
    """(H, W[, 3|4]) -> (H, W, channels): gray repeated, RGB to gray by luma, alpha dropped."""
    if image.ndim == 2:
        image = image[:, :, None]
    have = image.shape[2]
    if have == 4:
        return match_channels(image[:, :, :3], channels)
    if have == channels:
        return image
    if have == 1 and channels == 3:
        return np.repeat(image, 3, axis=2)
    if have == 3 and channels == 1:
        return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)[:, :, None]
    raise ValueError(f"cannot feed a {have}-channel image to a {channels}-channel model")


def normalize(image: np.ndarray, channels: int, mean, std) -> np.ndarray:
    """Raw image -> float32 (channels, H, W): (x / scale - mean) / std."""
    x = to_unit_float(match_channels(image, channels))
    x = (x - np.asarray(mean, np.float32)) * (1 / np.asarray(std, np.float32))
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def nearest_distance(queries: np.ndarray, memory: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """Euclidean distance of each query row to its nearest memory row."""
    m2 = np.einsum("ij,ij->i", memory, memory)
    out = np.empty(len(queries), np.float32)
    for s in range(0, len(queries), chunk):
        part = queries[s:s + chunk]
        d2 = np.einsum("ij,ij->i", part, part)[:, None] - 2 * part @ memory.T + m2
        out[s:s + chunk] = np.sqrt(np.maximum(d2.min(1), 0))
    return out


def _arrays(root: Path, manifest: dict) -> dict[str, np.ndarray]:
    with np.load(root / manifest["arrays"], allow_pickle=False) as z:
        return {k: np.asarray(z[k], np.float32) for k in z.files}


class AnomalyRunner:
    def __init__(self, root: Path, manifest: dict, threads: int | None = None, **_):
        import onnxruntime as ort

        onnx = manifest["model"]["onnx"]
        options = ort.SessionOptions()
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.inter_op_num_threads = 1
        if threads:
            options.intra_op_num_threads = int(threads)
        self.session = ort.InferenceSession(str(root / onnx["file"]), options,
                                            providers=["CPUExecutionProvider"])
        self.input, self.output = onnx["input"]["name"], onnx["output"]["name"]
        pre, a = manifest["preprocessing"], manifest["anomaly"]
        self.channels = int(pre["channels"])
        self.mean, self.std = pre["normalization"]["mean"], pre["normalization"]["std"]
        self.work = int(a["work_size"])
        self.stride = int(a["feature_stride"])
        self.sigma = float(a["smooth_sigma"])
        self.threshold, self.floor = float(a["threshold"]), float(a["floor"])
        self.memory = np.ascontiguousarray(_arrays(root, manifest)["memory"])

    def score_map(self, image: np.ndarray) -> np.ndarray:
        """float32 (H, W) raw scores: distance to the nearest good patch, resized, blurred."""
        h, w = image.shape[:2]
        work = cv2.resize(image, (self.work, self.work), interpolation=cv2.INTER_AREA)
        x = normalize(work, self.channels, self.mean, self.std)
        x = (x - x.mean())[None]
        (feats,) = self.session.run([self.output], {self.input: x})
        f = np.ascontiguousarray(feats[0].transpose(1, 2, 0), np.float32)
        gh, gw = f.shape[:2]
        grid = nearest_distance(f.reshape(gh * gw, -1), self.memory).reshape(gh, gw)
        full = cv2.resize(grid, (gw * self.stride, gh * self.stride),
                          interpolation=cv2.INTER_LINEAR)
        full = cv2.GaussianBlur(full, (0, 0), self.sigma)
        return cv2.resize(full, (w, h), interpolation=cv2.INTER_LINEAR)

    def predict(self, image: np.ndarray, **_) -> np.ndarray:
        span = max(self.threshold - self.floor, 1e-6)
        unit = np.clip(0.5 * (self.score_map(image) - self.floor) / span, 0.0, 1.0)
        return np.rint(unit * 255).astype(np.uint8)[None]


class PixelRunner:
    """`modules`: (pixel_features, pixel_classifier) modules; default the package's copies."""

    def __init__(self, root: Path, manifest: dict, modules=None, **_):
        if modules is None:
            sys.path.insert(0, str(root))
            modules = (importlib.import_module(f"{PIXEL_LIB}.pixel_features"),
                       importlib.import_module(f"{PIXEL_LIB}.pixel_classifier"))
        features, classifier = modules
        pixel = manifest["pixel"]
        bank = features.FilterBank.from_dict(pixel["filter_bank"])
        values = [c["value"] for c in manifest["classes"]]
        self.classifier = classifier.PixelClassifier.from_state(bank, values,
                                                                _arrays(root, manifest))

    def predict(self, image: np.ndarray, **_) -> np.ndarray:
        return self.classifier.predict(image)


RUNNERS = {"anomaly": AnomalyRunner, "PixelClassifier": PixelRunner}


def open_runner(root: str | Path, manifest: dict | None = None, **options):
    """The runner of the package in folder `root` (its deploy.json, unless given)."""
    root = Path(root)
    if manifest is None:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    kind = manifest.get("kind", "segmentation")
    if kind not in RUNNERS:
        raise ValueError(f"this runner computes maps of {', '.join(RUNNERS)} packages, not "
                         f"{kind!r} (feed model.onnx as deploy.json's preprocessing says)")
    return RUNNERS[kind](root, manifest, **options)


def read_image(path: str | Path) -> np.ndarray:
    """uint8/uint16 gray or RGB, as the app reads parts."""
    img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if img is None:
        raise ValueError(f"cannot read {path}")
    if img.ndim == 3 and img.shape[2] == 4:
        img = img[:, :, :3]
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB) if img.ndim == 3 else img


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Anomaly or defect maps of images, as the app "
                                            "computes them, from a deployment package.")
    p.add_argument("package", type=Path, help="the package folder (with deploy.json)")
    p.add_argument("images", nargs="+", type=Path)
    p.add_argument("--out", type=Path, help="folder for the maps (NAME.CLASS.png)")
    p.add_argument("--threads", type=int)
    args = p.parse_args(argv)
    manifest = json.loads((args.package / MANIFEST).read_text(encoding="utf-8"))
    runner = open_runner(args.package, manifest, threads=args.threads)
    names = [c["name"] for c in manifest["classes"]]
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for path in args.images:
        try:
            maps = list(zip(names, runner.predict(read_image(path)), strict=True))
        except ValueError as e:  # unreadable, or a pixel type the model cannot take
            print(f"{path}: skipped: {e}", file=sys.stderr)
            failed += 1
            continue
        print(f"{path}: max " + ", ".join(f"{n} {m.max() / 255:.3f}" for n, m in maps))
        for name, m in maps if args.out else ():
            cv2.imwrite(str(args.out / f"{path.stem}.{name}.png"), m)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
