"""What a training time budget buys, said before the run starts.

    speed = stored_speed(project, spec, "cpu")            # the last such run's, no torch
    speed = speed or measure_speed(spec, batch_size, "cpu")  # a short probe (imports torch)
    budget_text(speed, minutes=10, tile=192)
    -> "about 900 crops of 192 px in 10 minutes (1.5 crops/s: the last such run's speed, model 7)"

Speeds are kept as crop pixels per second so that a change of tile size rescales them (on a CPU
the cost of a step grows with its pixels). A run's speed counts its whole time (setup and
validation included), so it says what a budget really buys; the probe times training steps only,
and says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

PROBE_STEPS = 2  # timed steps, after one warm-up step
PROBE_BATCH = 2  # crops per probe step (a CPU step's time grows about linearly with the batch)


@dataclass(frozen=True)
class Speed:
    pixels_per_s: float  # training crop pixels per second
    source: str  # where the figure comes from, for people

    def crops(self, minutes: float, tile: int) -> int:
        return int(self.pixels_per_s * minutes * 60 / (tile * tile))

    def crops_per_s(self, tile: int) -> float:
        return self.pixels_per_s / (tile * tile)


def _same_model(a: dict, b: dict) -> bool:
    keys = ("architecture", "encoder", "in_channels", "decoder_channels")
    return all(_norm(a.get(k)) == _norm(b.get(k)) for k in keys)


def _norm(v):
    return tuple(v) if isinstance(v, list) else v


def stored_speed(project, spec, device_kind: str) -> Speed | None:
    """The measured speed of the newest registered model of the same architecture and encoder
    trained on this kind of device, or None."""
    want = spec.to_dict()
    for row in reversed(project.models.list()):
        m = row.metrics
        trained = row.config.get("spec", {})
        rate, tile = m.get("crops_per_s"), trained.get("tile_size")
        if not rate or not tile or m.get("device") != device_kind or not _same_model(want, trained):
            continue
        return Speed(rate * tile * tile, f"the last such run's speed, model {row.id}")
    return None


def measure_speed(spec, batch_size: int, device: str | None = None, cancel=None) -> Speed:
    """Times PROBE_STEPS training steps of `spec` on random crops (after a warm-up step).
    Raises app.jobs.context.Canceled when `cancel` (a threading.Event) is set between steps."""
    import torch

    from app.ml.device import pick_device
    from app.ml.losses import DEFAULT_LOSS, make_loss
    from app.ml.registry import create_model

    from .context import Canceled

    dev = pick_device(device, amp=True)
    model = dev.prepare(create_model(spec, pretrained=False).model)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    loss_fn = make_loss(DEFAULT_LOSS, None).to(dev.device)
    batch = max(2, min(batch_size, PROBE_BATCH))  # BatchNorm needs two
    tile = spec.tile_size
    x = torch.randn(batch, spec.in_channels, tile, tile)
    y = torch.randint(0, spec.num_classes, (batch, tile, tile))
    seconds = 0.0
    for i in range(PROBE_STEPS + 1):
        if cancel is not None and cancel.is_set():
            raise Canceled()
        t0 = time.perf_counter()
        with dev.autocast():
            logits = model(dev.batch(x))
        loss = loss_fn(logits, y.to(dev.device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        float(loss.detach())  # waits for an accelerator
        if i:
            seconds += time.perf_counter() - t0
    return Speed(PROBE_STEPS * batch * tile * tile / seconds,
                 f"measured just now in {PROBE_STEPS} training steps; validation will take its "
                 "share")


def budget_text(speed: Speed, minutes: float, tile: int) -> str:
    crops = speed.crops(minutes, tile)
    rate = speed.crops_per_s(tile)
    return (f"about {_round(crops)} crops of {tile} px in {minutes:g} minutes "
            f"({rate:.2g} crops/s: {speed.source})")


def _round(n: int) -> str:
    """Two significant figures: an estimate, not a promise."""
    if n < 100:
        return str(n)
    digits = len(str(n)) - 2
    return f"{round(n, -digits):,}"
