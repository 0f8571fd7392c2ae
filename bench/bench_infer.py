"""Tiled inference on a large image: seconds and peak memory.

    .venv/bin/python bench/bench_infer.py              # 2 MP gray image, ~1 min on 2 cores
    .venv/bin/python bench/bench_infer.py --full       # 20 MP (5472 x 3648), several minutes on CPU
    .venv/bin/python bench/bench_infer.py --full --device cuda --tile 512 --encoder resnet34

The model is the CPU default spec (Unet/resnet18, slim decoder) with random weights: speed and
memory do not depend on the weights. Peak memory is reported two ways: tracemalloc (numpy
buffers made by predict_image: output, blending band, tiles) and the process's peak RSS rise
during the call (everything, torch's activations included; 0 when an earlier peak was higher).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from app.ml.device import pick_device  # noqa: E402
from app.ml.inference import predict_image, tile_starts  # noqa: E402
from app.ml.registry import create_model  # noqa: E402
from app.ml.spec import ModelSpec, Normalization  # noqa: E402

SIZES = {"2 MP": (1200, 1600), "20 MP": (3648, 5472)}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--full", action="store_true", help="20 MP instead of 2 MP")
    p.add_argument("--tile", type=int, default=256)
    p.add_argument("--overlap", type=int, default=None, help="default tile // 4")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--classes", type=int, default=4, help="defect classes (C)")
    p.add_argument("--encoder", default="resnet18")
    p.add_argument("--device", default="cpu")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--threads", type=int, default=0)
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    label = "20 MP" if args.full else "2 MP"
    h, w = SIZES[label]
    decoder = (64, 32, 16, 16, 8) if args.encoder == "resnet18" else None
    spec = ModelSpec("Unet", args.encoder, decoder, 1, 1 + args.classes, args.tile, None)
    dev = pick_device(args.device)
    torch.manual_seed(0)
    model = dev.prepare(create_model(spec, pretrained=False).model).eval()
    image = np.random.default_rng(0).integers(0, 256, (h, w), dtype=np.uint8)
    norm = Normalization((0.5,), (0.25,))
    ov = args.tile // 4 if args.overlap is None else args.overlap
    tiles = len(tile_starts(h, args.tile, ov)) * len(tile_starts(w, args.tile, ov))
    print(f"{label} ({w} x {h}) gray, {spec.architecture}/{spec.encoder}, C = {args.classes}, "
          f"tile {args.tile}, overlap {ov}, {tiles} tiles, batch {args.batch}, {dev.describe()}, "
          f"{torch.get_num_threads()} threads")

    # Warm-up on a small crop so one-off allocations do not count.
    predict_image(model, image[:512, :512], spec, norm, device=dev, batch_size=args.batch)
    times = []
    for _ in range(args.repeat):
        rss_before = peak_rss_mb()
        tracemalloc.start()
        t0 = time.perf_counter()
        out = predict_image(model, image, spec, norm, overlap=ov, device=dev, batch_size=args.batch)
        times.append(time.perf_counter() - t0)
        traced = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        rss_rise = peak_rss_mb() - rss_before
    band = (args.classes + 1) * args.tile * w * 4 / 2**20
    print(f"seconds: median {statistics.median(times):.2f} over {args.repeat} "
          f"({tiles / statistics.median(times):.1f} tiles/s)  load average {os.getloadavg()[0]:.1f}")
    print(f"peak numpy memory (tracemalloc): {traced:.0f} MB  = output {out.nbytes / 2**20:.0f} MB "
          f"+ band/tiles (band bound {band:.0f} MB); a float32 (C, H, W) accumulator alone "
          f"would be {args.classes * h * w * 4 / 2**20:.0f} MB")
    print(f"process peak RSS rise during the call: {rss_rise:.0f} MB (peak RSS {peak_rss_mb():.0f} MB)")


if __name__ == "__main__":
    main()
