"""What a deployment package holds, by model kind (the names of app.ml.inference.MODEL_KINDS;
deploy.json "kind"; packages of version 1 do not name it: "segmentation").

    kind              files beside deploy.json                   deploy-verify compares
    segmentation      model.onnx: the network's logits            the torch checkpoint with
                                                                  model.onnx (ONNX Runtime)
    anomaly           model.onnx: the encoder's patch features,   the app's anomaly map with
                      arrays.npz: the memory of good patches,     runner.py's
                      runner.py: computes the map
    PixelClassifier   arrays.npz: the classifier head,            the app's map with
                      ds_pixel/: the filter bank and head code,   runner.py's
                      runner.py: computes the map

Every package also carries checkpoint/ (the model as the app stores it: verify's reference).
runner.py is app/ml/package_runner.py and ds_pixel/ holds app/core's pixel_features.py and
pixel_classifier.py, byte for byte: verify checks that, then runs the app's copies (it never
runs code from a package). Arrays are .npz read with allow_pickle=False.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ONNX_FILE = "model.onnx"
CHECKPOINT_DIR = "checkpoint"
ARRAYS = "arrays.npz"
RUNNER = "runner.py"
PIXEL_LIB = "ds_pixel"
PIXEL_INIT = '"""The pixel classifier\'s filter bank and head, from Defect Studio (runner.py)."""\n'

_APP = Path(__file__).resolve().parents[1]
RUNNER_SOURCE = _APP / "ml" / "package_runner.py"
PIXEL_SOURCES = {f"{PIXEL_LIB}/pixel_features.py": _APP / "core" / "pixel_features.py",
                 f"{PIXEL_LIB}/pixel_classifier.py": _APP / "core" / "pixel_classifier.py"}

SCALE = {"uint8": 255, "uint16": 65535}
CHANNEL_RULE = ("gray is repeated to 3 channels; RGB becomes gray by luma "
                "(0.299 R + 0.587 G + 0.114 B); alpha is dropped")
PROBABILITIES = "uint8 round(p * 255); defect where prob >= round(t * 255)"


@dataclass(frozen=True)
class PackageKind:
    """`write(work, checkpoint_dir, exporter)` writes the kind's files into the work folder and
    returns its sections of deploy.json ("model" entries, "preprocessing", ...);
    `open_model(pkg, config, threads)` gives the package's side of verify (.predict(image,
    tile=) -> uint8 (C, H, W)); `summary(manifest)` one line for people."""

    version: int
    write: Callable[[Path, Path, Any], dict]
    named: Callable[[dict], list[str]]
    open_model: Callable[[Any, Any, int | None], Any]
    summary: Callable[[dict], str]
    sides: tuple[str, str] = ("app", "package")  # what verify compares: reference, package
    first_channel: int = 0  # the output channel of the first class ("classes" "channel")
    code: dict[str, Path | bytes] = field(default_factory=dict)  # file -> the app's source
    # file, or its exact content


def _checkpoint_files(m: dict) -> list[str]:
    return [m["model"]["checkpoint"]["config"], m["model"]["checkpoint"]["weights"]]


def _normalization(config) -> dict:
    mean, std = config.normalization.for_channels(config.spec.in_channels)
    return {"mean": list(mean), "std": list(std), "formula": "(x / scale - mean) / std"}


def _onnx_entry(opset: int, in_channels: int, output: str, shape: list, activation: str) -> dict:
    return {"file": ONNX_FILE, "opset": opset,
            "input": {"name": "image", "dtype": "float32",
                      "shape": ["batch", in_channels, "height", "width"]},
            "output": {"name": output, "dtype": "float32", "shape": shape,
                       "activation": activation}}


# --- segmentation ---------------------------------------------------------------------------


def _write_segmentation(work: Path, ckpt_dir: Path, exporter) -> dict:
    from app.ml.checkpoint import build_model, load_checkpoint
    from app.ml.onnx_export import OPSET, export_onnx

    config, state = load_checkpoint(ckpt_dir)
    spec = config.spec
    (exporter or export_onnx)(build_model(config, state).eval(), work / ONNX_FILE,
                              spec.in_channels, sample_size=spec.tile_size)
    return {
        "model": {"architecture": spec.architecture, "encoder": spec.encoder,
                  "onnx": _onnx_entry(OPSET, spec.in_channels, "logits",
                                      ["batch", spec.num_classes, "height", "width"],
                                      "softmax over axis 1; channel 0 is background, channel "
                                      "i + 1 the i-th class in 'classes'")},
        "preprocessing": {
            "scale": SCALE, "channels": spec.in_channels, "channel_rule": CHANNEL_RULE,
            "normalization": _normalization(config), "layout": "NCHW",
            "tile_size": spec.tile_size, "overlap": spec.tile_size // 4, "stride": 32,
            "blending": "cosine-squared ramps over the overlap, weights normalized per pixel",
            "probabilities": PROBABILITIES},
    }


def _open_segmentation(pkg, config, threads):
    from app.ml.onnx_export import load_onnx_for_inference

    return load_onnx_for_inference(pkg.onnx_path, config, threads)


def _summary_segmentation(m: dict) -> str:
    return (f"tile {m['preprocessing']['tile_size']}, opset {m['model']['onnx']['opset']}")


# --- anomaly (good parts only) --------------------------------------------------------------


def _write_anomaly(work: Path, ckpt_dir: Path, exporter) -> dict:
    import numpy as np

    from app.ml.anomaly_model import FEATURE_STRIDE, SMOOTH_SIGMA, WORK_SIZE, load_predictor
    from app.ml.checkpoint import load_checkpoint
    from app.ml.onnx_export import FEATURES, OPSET, export_anomaly_onnx

    config, state = load_checkpoint(ckpt_dir)
    model = load_predictor(config, state).model
    spec = config.spec
    export_anomaly_onnx(model.features, work / ONNX_FILE, sample_size=WORK_SIZE)
    np.savez(work / ARRAYS, allow_pickle=False,
             memory=np.ascontiguousarray(model.memory, np.float32))
    shutil.copyfile(RUNNER_SOURCE, work / RUNNER)
    return {
        "model": {"architecture": spec.architecture, "encoder": spec.encoder,
                  "onnx": _onnx_entry(OPSET, spec.in_channels, FEATURES,
                                      ["batch", int(model.memory.shape[1]),
                                       WORK_SIZE // FEATURE_STRIDE, WORK_SIZE // FEATURE_STRIDE],
                                      "unit-length patch features")},
        "preprocessing": {
            "scale": SCALE, "channels": spec.in_channels, "channel_rule": CHANNEL_RULE,
            "normalization": _normalization(config), "layout": "NCHW",
            "resize": "every image to work_size x work_size (OpenCV INTER_AREA), then normalized "
                      "and its own mean subtracted",
            "probabilities": PROBABILITIES},
        "anomaly": {
            "memory": f"{ARRAYS}: 'memory' (rows, features) float32",
            "memory_rows": int(model.memory.shape[0]),
            "work_size": WORK_SIZE, "feature_stride": FEATURE_STRIDE,
            "smooth_sigma": SMOOTH_SIGMA,
            "threshold": model.threshold, "floor": model.floor,
            "false_reject_rate": model.false_reject_rate,
            "calibration_images": model.calibration_images,
            "map": "score = distance of each patch to its nearest memory row; the grid "
                   "(work_size / stride a side) resized bilinearly by the stride, Gaussian blur "
                   "of smooth_sigma, resized bilinearly to the image; p = clip(0.5 * (score - "
                   "floor) / (threshold - floor), 0, 1); runner.py computes it"},
        "arrays": ARRAYS,
        "runner": RUNNER,
    }


def _open_runner(pkg, config, threads):
    from app.ml.package_runner import open_runner

    return open_runner(pkg.root, pkg.manifest, threads=threads)


def _summary_anomaly(m: dict) -> str:
    a = m["anomaly"]
    return (f"good parts only: {a['memory_rows']} good patches, 0.5 flags "
            f"{a['false_reject_rate']:.1%} of good parts; opset {m['model']['onnx']['opset']}; "
            f"maps by {m['runner']}")


# --- pixel classifier -----------------------------------------------------------------------


def _write_pixel(work: Path, ckpt_dir: Path, exporter) -> dict:
    import numpy as np

    from app.ml.checkpoint import load_checkpoint
    from app.ml.pixel_model import classifier_from

    config, state = load_checkpoint(ckpt_dir)
    clf = classifier_from(config, state)
    np.savez(work / ARRAYS, allow_pickle=False, **clf.state())
    shutil.copyfile(RUNNER_SOURCE, work / RUNNER)
    (work / PIXEL_LIB).mkdir()
    (work / PIXEL_LIB / "__init__.py").write_text(PIXEL_INIT, encoding="utf-8")
    for rel, source in PIXEL_SOURCES.items():
        shutil.copyfile(source, work / rel)
    return {
        "model": {"architecture": config.spec.architecture, "encoder": config.spec.encoder},
        "preprocessing": {
            "scale": SCALE, "channels": clf.bank.channels,
            "features": f"{PIXEL_LIB}/pixel_features.py FilterBank.compute (its own scaling "
                        "by pixel type; RGB to gray by luma)",
            "probabilities": PROBABILITIES},
        "pixel": {"filter_bank": clf.bank.to_dict(), "hidden": clf.hidden,
                  "head": f"{ARRAYS}: {', '.join(clf.state())}"},
        "arrays": ARRAYS,
        "runner": RUNNER,
    }


def _open_pixel(pkg, config, threads):
    from app.core import pixel_classifier, pixel_features
    from app.ml.package_runner import open_runner

    return open_runner(pkg.root, pkg.manifest, modules=(pixel_features, pixel_classifier))


def _summary_pixel(m: dict) -> str:
    p = m["pixel"]
    head = f"{p['hidden']} hidden units" if p["hidden"] else "logistic regression"
    return (f"pixel classifier: filter bank at sigmas {p['filter_bank']['sigmas']}, {head}; "
            f"maps by {m['runner']}")


def _runner_files(m: dict) -> list[str]:
    return [m["arrays"], m["runner"]]


PACKAGE_KINDS: dict[str, PackageKind] = {
    "segmentation": PackageKind(
        1, _write_segmentation, lambda m: [m["model"]["onnx"]["file"], *_checkpoint_files(m)],
        _open_segmentation, _summary_segmentation, ("torch", "onnx"),
        first_channel=1),  # logits channel 0 is the background
    "anomaly": PackageKind(
        2, _write_anomaly,
        lambda m: [m["model"]["onnx"]["file"], *_checkpoint_files(m), *_runner_files(m)],
        _open_runner, _summary_anomaly, code={RUNNER: RUNNER_SOURCE}),
    "PixelClassifier": PackageKind(
        2, _write_pixel, lambda m: [*_checkpoint_files(m), *_runner_files(m)],
        _open_pixel, _summary_pixel,
        code={RUNNER: RUNNER_SOURCE, **PIXEL_SOURCES,
              f"{PIXEL_LIB}/__init__.py": PIXEL_INIT.encode()}),
}


def package_kind(manifest: dict) -> PackageKind:
    """The kind of an opened package's deploy.json; PackageError-worthy ValueError if unknown."""
    kind = manifest.get("kind", "segmentation")
    if kind not in PACKAGE_KINDS:
        raise ValueError(f"deploy.json names model kind {kind!r}; this program knows "
                         f"{', '.join(PACKAGE_KINDS)}")
    return PACKAGE_KINDS[kind]


def changed_code(root: Path, kind: PackageKind) -> list[str]:
    """The package's code files that are not this program's, byte for byte."""
    out = []
    for rel, source in kind.code.items():
        want = source if isinstance(source, bytes) else source.read_bytes()
        if (root / rel).read_bytes() != want:
            out.append(rel)
    return out
