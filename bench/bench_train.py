"""Trainer overhead: its training throughput against a bare PyTorch loop, same model, batch, data.

    .venv/bin/python bench/bench_train.py            # small: tile 128, about 2 min on 2 cores
    .venv/bin/python bench/bench_train.py --full     # the CPU default spec at tile 256
    .venv/bin/python bench/bench_train.py --device cuda --tile 512 --batch 16 --encoder resnet34

Both loops draw the same TrainDataset through the same DataLoader settings; runs alternate
(bare, trainer, trainer, bare, ...) after an untimed warm-up run, so drift from other jobs hits
both; the load average is printed per round, since a shared CPU skews single figures. Step time =
the gap between consecutive steps inside an epoch (data loading included, epoch-end
validation/checkpoints excluded); epoch time = the whole epoch including the trainer's checkpoint
writes. Prints medians and trainer/bare throughput ratios (goal >= 0.95).
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

from app.ml.checkpoint import ClassInfo  # noqa: E402
from app.ml.data import TrainDataset  # noqa: E402
from app.ml.device import pick_device  # noqa: E402
from app.ml.losses import make_loss  # noqa: E402
from app.ml.registry import create_model  # noqa: E402
from app.ml.spec import ModelSpec, Normalization  # noqa: E402
from app.ml.synthetic import synthetic_samples  # noqa: E402
from app.ml.trainer import BaseCallback, TrainConfig, Trainer  # noqa: E402


class Clock(BaseCallback):
    def __init__(self) -> None:
        self.step_gaps: list[float] = []
        self.epoch_times: list[float] = []
        self.last = self.epoch_start = time.perf_counter()
        self.in_epoch = 0

    def on_step(self, step: int, loss: float) -> None:
        now = time.perf_counter()
        if self.in_epoch:
            self.step_gaps.append(now - self.last)
        self.last, self.in_epoch = now, self.in_epoch + 1

    def on_epoch(self, epoch: int, metrics: dict) -> None:
        now = time.perf_counter()
        self.epoch_times.append(now - self.epoch_start)
        self.epoch_start = self.last = now
        self.in_epoch = 0


def bare_loop(spec, samples, args, norm, values) -> tuple[list[float], list[float]]:
    """The loop anyone would write by hand; returns (step gaps, epoch times)."""
    dev = pick_device(args.device)
    torch.manual_seed(0)
    model = dev.prepare(create_model(spec, pretrained=False).model)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    loss_fn = make_loss().to(dev.device)
    scaler = dev.grad_scaler()
    ds = TrainDataset(samples, values, spec.tile_size, spec.in_channels, norm,
                      crops_per_image=args.crops)
    gaps, epochs = [], []
    for epoch in range(args.epochs):
        ds.set_epoch(epoch)
        gen = torch.Generator().manual_seed(epoch)
        loader = torch.utils.data.DataLoader(
            ds, batch_size=args.batch, sampler=torch.utils.data.RandomSampler(ds, generator=gen),
            pin_memory=dev.kind == "cuda",
        )
        model.train()
        t_epoch = last = time.perf_counter()
        for i, (x, y) in enumerate(loader):
            x, y = dev.batch(x), y.to(dev.device, non_blocking=True)
            with dev.autocast():
                logits = model(x)
            loss = loss_fn(logits, y)
            opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            loss.item()  # the trainer reports every step too
            now = time.perf_counter()
            if i:
                gaps.append(now - last)
            last = now
        epochs.append(time.perf_counter() - t_epoch)
    return gaps, epochs


def trainer_run(spec, samples, args, norm, classes) -> tuple[list[float], list[float]]:
    clock = Clock()
    with tempfile.TemporaryDirectory() as out:
        torch.manual_seed(0)
        model = create_model(spec, pretrained=False).model
        config = TrainConfig(epochs=args.epochs, batch_size=args.batch, crops_per_image=args.crops,
                             device=args.device, patience=0)
        clock.epoch_start = clock.last = time.perf_counter()
        Trainer(spec, classes, samples, [], out, config, norm=norm, model=model,
                callbacks=[clock]).fit()
    return clock.step_gaps, clock.epoch_times


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--full", action="store_true", help="tile 256, 512 px images, 32 images")
    p.add_argument("--tile", type=int, default=128)
    p.add_argument("--size", type=int, default=256, help="image side in px")
    p.add_argument("--images", type=int, default=24)
    p.add_argument("--crops", type=int, default=4, help="crops per image per epoch")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--rounds", type=int, default=4, help="bare/trainer alternations")
    p.add_argument("--encoder", default="resnet18")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch default)")
    args = p.parse_args()
    if args.full:
        args.tile, args.size, args.images = 256, 512, 32
    if args.threads:
        torch.set_num_threads(args.threads)

    decoder = (64, 32, 16, 16, 8) if args.encoder == "resnet18" else None
    spec = ModelSpec("Unet", args.encoder, decoder, 3, 3, args.tile, None)
    values = [1, 2]
    classes = [ClassInfo(v, f"class{v}") for v in values]
    samples = synthetic_samples(args.images, args.size, values, rgb=True)
    norm = Normalization.imagenet(3)
    print(f"{spec.architecture}/{spec.encoder} tile {args.tile}, batch {args.batch}, "
          f"{args.images} images "
          f"of {args.size} px x {args.crops} crops, {args.epochs} epochs x {args.rounds} rounds, "
          f"{pick_device(args.device).describe()}, {torch.get_num_threads()} threads")

    # The first training run in a process is several times slower (allocator and oneDNN
    # warm-up): one untimed run first.
    warm = argparse.Namespace(**{**vars(args), "epochs": 1})
    bare_loop(spec, samples, warm, norm, values)
    bare_steps, bare_epochs, tr_steps, tr_epochs, ratios = [], [], [], [], []
    for r in range(args.rounds):
        if r % 2:  # alternate which goes first, so neither always follows the other's writes
            ts, te = trainer_run(spec, samples, args, norm, classes)
            bs, be = bare_loop(spec, samples, args, norm, values)
        else:
            bs, be = bare_loop(spec, samples, args, norm, values)
            ts, te = trainer_run(spec, samples, args, norm, classes)
        bare_steps += bs
        tr_steps += ts
        bare_epochs += be
        tr_epochs += te
        ratios.append(statistics.median(bs) / statistics.median(ts))
        print(f"round {r + 1}: bare {statistics.median(bs) * 1e3:.1f} ms/step, "
              f"trainer {statistics.median(ts) * 1e3:.1f} ms/step, ratio {ratios[-1]:.3f}, "
              f"load average {os.getloadavg()[0]:.1f}")

    bs, ts = statistics.median(bare_steps), statistics.median(tr_steps)
    be, te = statistics.median(bare_epochs), statistics.median(tr_epochs)
    print(f"step  median: bare {bs * 1e3:8.1f} ms ({args.batch / bs:6.1f} crops/s)  "
          f"trainer {ts * 1e3:8.1f} ms ({args.batch / ts:6.1f} crops/s)  ratio {bs / ts:.3f}  "
          f"[{len(bare_steps)}/{len(tr_steps)} steps]")
    print(f"median of the per-round step ratios: {statistics.median(ratios):.3f}")
    print(f"epoch median: bare {be:8.2f} s                  trainer {te:8.2f} s                  "
          f"ratio {be / te:.3f}  (trainer epochs include its checkpoint writes)")


if __name__ == "__main__":
    main()
