"""CPU inference time of one image: the old tiling against the new plan, PyTorch eager against
ONNX Runtime, side by side.

    .venv/bin/python bench/bench_infer.py                        # 512 px, 0.3 and 2 MP, both models
    .venv/bin/python bench/bench_infer.py --sizes 20 --repeat 1  # 20 MP (5472 x 3648)
    .venv/bin/python bench/bench_infer.py --models r18 --sizes 2 --repeat 5

Columns, each the median of --repeat runs after a warm-up:
  old tiles  PyTorch eager, contiguous, 256 px tiles overlapping by 64 (the app before: 9 tiles
             for a 512 px part, 48 for 2 MP)
  torch      PyTorch eager, channels-last, the planned tiles (app.ml.inference.plan_tiles: the
             whole image where --budget-mb allows, else full-width bands or large squares)
  onnx       ONNX Runtime (CPUExecutionProvider, app.ml.runtime), the same planned tiles
and the ratio of each against "old tiles". Models (random weights: speed does not depend on
them), 1 input channel, --classes defect classes: r18 = the CPU default spec of
app/ml/spec.py (Unet/resnet18, decoder (64, 32, 16, 16, 8), tile 256); lite0 = U-Net on
timm's tf_efficientnet_lite0 with the same slim decoder, tile 256. The process's peak RSS is
printed at the end (one process runs everything, so it is the largest single case's).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from app.ml.checkpoint import CheckpointConfig, ClassInfo, save_checkpoint  # noqa: E402
from app.ml.device import pick_device  # noqa: E402
from app.ml.inference import (  # noqa: E402
    activation_bytes_per_pixel,
    plan_tiles,
    predict_image,
    tile_starts,
)
from app.ml.runtime import prepare  # noqa: E402
from app.ml.spec import ModelSpec, Normalization, default_spec  # noqa: E402

SIZES = {"512px": (512, 512), "0.3": (480, 640), "2": (1200, 1600), "20": (3648, 5472)}
SLIM = (64, 32, 16, 16, 8)


def model_spec(name: str, classes: int) -> ModelSpec:
    if name == "r18":
        return default_spec("cpu", num_classes=1 + classes, in_channels=1).replace(
            encoder_weights=None)
    return ModelSpec("Unet", "tu-tf_efficientnet_lite0", SLIM, 1, 1 + classes, 256, None)


def build(spec: ModelSpec) -> torch.nn.Module:
    """The spec's network, random weights; smp directly where the registry lacks the encoder."""
    from app.ml.compat import import_smp
    from app.ml.registry import ENCODERS, create_model

    torch.manual_seed(0)
    if spec.encoder in ENCODERS:
        return create_model(spec, pretrained=False).model.eval()
    smp = import_smp()
    return smp.Unet(encoder_name=spec.encoder, encoder_weights=None, in_channels=spec.in_channels,
                    classes=spec.num_classes, decoder_channels=spec.decoder_channels).eval()


def median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def row(size, spec, model, torch_run, onnx, per_px, budget, norm, cpu, args) -> str:
    """One line of the table: the image of `size` MP through the three columns."""
    h, w = SIZES[size]
    image = np.random.default_rng(0).integers(0, 256, (h, w), dtype=np.uint8)
    ov = spec.tile_size // 4
    th, tw = plan_tiles(h, w, per_px, budget, spec.tile_size, ov)
    n_new = len(tile_starts(h, th, min(ov, th // 2))) * len(tile_starts(w, tw, min(ov, tw // 2)))
    n_old = len(tile_starts(h, spec.tile_size, ov)) * len(tile_starts(w, spec.tile_size, ov))
    runs = {
        "torch": lambda: predict_image(torch_run.net, image, spec, norm, device=torch_run.device,
                                       memory_budget=budget),
        "onnx": lambda: predict_image(onnx.net, image, spec, norm, device=onnx.device,
                                      memory_budget=budget),
    }
    if not args.no_old:
        runs["old"] = lambda: predict_image(model, image, spec, norm, tile=spec.tile_size,
                                            device=cpu)
    seconds = {}
    for key, fn in runs.items():
        if size != "20":  # warm-up (at 20 MP the first tiles warm up the rest)
            fn()
        seconds[key] = median_seconds(fn, args.repeat)
    old = seconds.get("old")
    cells = [f"{seconds[k]:6.2f} s" + (f" {old / seconds[k]:4.1f}x" if old else "")
             for k in ("torch", "onnx")]
    old_text = f"{old:8.2f} s" if old else "       -  "
    label = size if size.endswith("px") else f"{size} MP"
    return (f"{label:>6} {w:>5}x{h:<5} {f'{n_new} x {tw}x{th} (old {n_old})':>22} "
            f"{old_text:>10} {cells[0]:>14} {cells[1]:>14}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="512px,0.3,2",
                   help="comma list: 512px (a part), 0.3, 2, 20 (MP)")
    p.add_argument("--models", default="r18,lite0", help="comma list: r18, lite0")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--classes", type=int, default=4, help="defect classes (C)")
    p.add_argument("--budget-mb", type=int, default=None, help="memory budget (default: the app's)")
    p.add_argument("--no-old", action="store_true",
                   help="skip the old-tiles column (slow at 20 MP)")
    p.add_argument("--threads", type=int, default=0)
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    from app.ml.inference import DEFAULT_MEMORY_BUDGET

    budget = DEFAULT_MEMORY_BUDGET if args.budget_mb is None else args.budget_mb << 20
    cpu = pick_device("cpu")
    norm = Normalization((0.5,), (0.25,))
    print(f"CPU inference, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs, budget "
          f"{budget >> 20} MB, C = {args.classes}, median of {args.repeat}; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models.split(","):
            spec = model_spec(name, args.classes)
            model = build(spec)
            folder = Path(tmp) / name
            config = save_checkpoint(folder, model, CheckpointConfig(
                spec, [ClassInfo(v, f"c{v}") for v in range(1, 1 + args.classes)], norm))
            t0 = time.perf_counter()
            onnx = prepare(build(spec), config, folder, cpu, "onnx")
            export_s = time.perf_counter() - t0
            torch_run = prepare(build(spec), config, folder, cpu, "torch")
            per_px = activation_bytes_per_pixel(model, 1)
            print(f"\n{name}: {spec.architecture}/{spec.encoder} decoder {spec.decoder_channels}, "
                  f"tile {spec.tile_size}; activations ~{per_px:.0f} B/px; ONNX export + check "
                  f"{export_s:.1f} s (once per model, cached)")
            print(f"{'image':>16} {'plan':>22} {'old tiles':>10} {'torch':>14} {'onnx':>14}")
            for size in args.sizes.split(","):
                print(row(size, spec, model, torch_run, onnx, per_px, budget, norm, cpu, args),
                      flush=True)
    print(f"\npeak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; load "
          f"average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
