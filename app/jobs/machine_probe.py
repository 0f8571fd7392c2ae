"""What this machine offers for training, found on a worker thread (it imports torch and smp).

No Qt here: `probe()` is a plain job function. ImageNet weights are checked without downloading:
bundled with a package (app.ml.bundled_weights), else the local Hugging Face cache, then (unless
offline) one short connection attempt, the way app.ml.weights decides at training time.
"""

from __future__ import annotations

import dataclasses
import os
import socket
from dataclasses import dataclass
from urllib.parse import urlparse

from app.ml.registry import ENCODERS

_TRUE = ("1", "true", "yes", "on")
PROBE_TIMEOUT_S = 3.0
CPU_BUDGET_MINUTES = 10.0  # on a CPU the form trains for a time budget by default


@dataclass(frozen=True)
class MachineInfo:
    device: str  # "cuda", "mps" or "cpu": what "auto" picks
    label: str  # for people: "NVIDIA H100 80GB HBM3 (bf16 AMP)", "CPU, 8 cores (7 for training)"
    weights_notes: dict[str, str | None]  # encoder -> None when ImageNet weights are usable
    train_defaults: dict[str, float | int]  # TrainConfig's epochs, batch_size, lr, minutes


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def training_threads() -> int:
    """Torch threads for training in the app: all cores but one, which the UI keeps."""
    return max(1, available_cores() - 1)


def probe() -> MachineInfo:
    from app.ml.device import pick_device
    from app.ml.trainer import TrainConfig

    dev = pick_device(None)
    if dev.kind == "cpu":
        label = f"CPU, {available_cores()} cores ({training_threads()} for training)"
    else:
        label = dev.describe()
    defaults = {k: v for k, v in dataclasses.asdict(TrainConfig()).items()
                if k in ("epochs", "batch_size", "lr")}
    defaults["minutes"] = CPU_BUDGET_MINUTES if dev.kind == "cpu" else 0.0
    return MachineInfo(dev.kind, label, imagenet_notes(list(ENCODERS)), defaults)


def _offline() -> bool:
    return any(os.environ.get(v, "").lower() in _TRUE
               for v in ("DEFECT_STUDIO_OFFLINE", "HF_HUB_OFFLINE"))


def imagenet_notes(encoders: list[str]) -> dict[str, str | None]:
    """encoder -> None (cached, or can be downloaded) or why training will start from random
    weights. At most one connection attempt, whatever the number of encoders."""
    try:
        import huggingface_hub as hub

        from app.ml.compat import import_smp

        table = import_smp().encoders.encoders
    except Exception as e:  # noqa: BLE001 - the note says why; training still works
        return {name: f"ImageNet weights cannot be checked ({type(e).__name__})"
                for name in encoders}
    from app.ml import bundled_weights

    notes: dict[str, str | None] = {}
    missing = []
    for name in encoders:
        if bundled_weights.has_bundled(name):  # shipped with a package: no network involved
            notes[name] = bundled_weights.missing_reason(name)
            continue
        settings = table.get(name, {}).get("pretrained_settings", {}).get("imagenet")
        if settings is None:
            notes[name] = f"{name} has no ImageNet weights"
        elif isinstance(hub.try_to_load_from_cache(settings["repo_id"], "model.safetensors",
                                                   revision=settings["revision"]), str):
            notes[name] = None
        else:
            missing.append(name)
    if missing:
        reason = "offline and not in the local cache" if _offline() else _reach(hub)
        for name in missing:
            notes[name] = None if reason is None else f"ImageNet weights unavailable ({reason})"
    return notes


def _reach(hub) -> str | None:
    if os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy"):
        return None  # the proxy decides at download time
    url = urlparse(hub.constants.ENDPOINT)
    try:
        socket.create_connection((url.hostname, url.port or 443), timeout=PROBE_TIMEOUT_S).close()
    except OSError:
        return f"cannot reach {url.hostname} and not in the local cache"
    return None
