"""Training speed of the candidate CPU models (bench/candidates.py), side by side.

    .venv/bin/python bench/bench_candidates.py                     # all candidates, 2 threads
    .venv/bin/python bench/bench_candidates.py --steps 12 --rounds 3 lite0-frozen default

Each candidate trains through the app's Trainer (frozen parts held, optimizer on trainable
parameters only) on synthetic gray parts at its own tile size, batch 8. Step time = the gap
between consecutive steps (data loading included); the first --warmup steps of every run are
dropped. Rounds rotate the order of the candidates so that drift from other jobs on a shared
CPU hits all of them; the load average is printed per run. Prints medians of the step times,
as crops/s and as pixels/s (tiles differ in size).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
from candidates import CANDIDATES, candidate_spec  # noqa: E402

from app.ml.checkpoint import ClassInfo  # noqa: E402
from app.ml.registry import create_model  # noqa: E402
from app.ml.spec import Normalization  # noqa: E402
from app.ml.synthetic import synthetic_samples  # noqa: E402
from app.ml.trainer import BaseCallback, TrainConfig, Trainer  # noqa: E402


class StepClock(BaseCallback):
    def __init__(self) -> None:
        self.gaps: list[float] = []
        self.last: float | None = None

    def on_step(self, step: int, loss: float) -> None:
        now = time.perf_counter()
        if self.last is not None:
            self.gaps.append(now - self.last)
        self.last = now


def run(name: str, args) -> list[float]:
    spec = candidate_spec(name, 2, 1)
    steps = args.warmup + args.steps + 1
    samples = synthetic_samples(args.batch, args.size, seed=0)
    config = TrainConfig(epochs=1, batch_size=args.batch, crops_per_image=steps, device="cpu",
                         patience=0, defect_share=0)
    clock = StepClock()
    torch.manual_seed(0)
    model = create_model(spec, pretrained=False).model  # speed does not depend on the weights
    with tempfile.TemporaryDirectory() as out:
        Trainer(spec, [ClassInfo(1, "defect")], samples, [], out, config,
                norm=Normalization(), model=model, callbacks=[clock]).fit()
    return clock.gaps[args.warmup:]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("candidates", nargs="*", default=list(CANDIDATES))
    p.add_argument("--steps", type=int, default=8, help="timed steps per run")
    p.add_argument("--warmup", type=int, default=2, help="untimed steps at the start of a run")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--size", type=int, default=384, help="side of the synthetic parts, px")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    names = list(dict.fromkeys(args.candidates))
    specs = {n: candidate_spec(n, 2, 1) for n in names}
    print(f"batch {args.batch}, {args.steps} timed steps x {args.rounds} rounds per candidate, "
          f"gray {args.size} px parts, torch {torch.__version__}, {torch.get_num_threads()} "
          f"threads")
    gaps: dict[str, list[float]] = {n: [] for n in names}
    for r in range(args.rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for n in order:
            g = run(n, args)
            gaps[n] += g
            print(f"round {r + 1} {n:14s} {statistics.median(g) * 1e3:7.0f} ms/step  "
                  f"load average {os.getloadavg()[0]:.1f}", flush=True)
    print(f"\n{'candidate':14s} {'encoder':26s} {'tile':>4s} {'frozen':>9s} {'ms/step':>8s} "
          f"{'crops/s':>8s} {'Mpx/s':>6s}")
    for n in names:
        s, med = specs[n], statistics.median(gaps[n])
        frozen = (f"all but {s.unfrozen_stages}" if s.unfrozen_stages else "yes") \
            if s.freeze_encoder else "no"
        print(f"{n:14s} {s.encoder:26s} {s.tile_size:4d} {frozen:>9s} {med * 1e3:8.0f} "
              f"{args.batch / med:8.1f} {args.batch * s.tile_size ** 2 / med / 1e6:6.2f}")


if __name__ == "__main__":
    main()
