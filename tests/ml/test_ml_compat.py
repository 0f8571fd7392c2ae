"""smp imports on CPU-only torch through app.ml.compat, in a fresh interpreter."""

import subprocess
import sys


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=240)


def test_import_smp_through_compat_twice():
    out = run(
        "from app.ml.compat import ensure_torchvision, import_smp\n"
        "first = ensure_torchvision()\n"
        "smp = import_smp(); smp2 = import_smp()\n"
        "assert smp is smp2 and ensure_torchvision() == first\n"
        "import torch, torchvision\n"
        "assert hasattr(torch.ops.torchvision, 'nms')\n"
        "m = smp.Unet('resnet18', encoder_weights=None, classes=2, "
        "decoder_channels=(8, 8, 8, 8, 8))\n"
        "print(first, type(m).__name__)\n"
    )
    assert out.returncode == 0, out.stderr[-2000:]
    first, name = out.stdout.split()
    assert first in ("schemas-defined", "native")
    assert name == "Unet"


def test_late_call_is_harmless():
    # After torchvision was imported by someone else, ensure_torchvision must not redefine ops.
    out = run(
        "from app.ml.compat import ensure_torchvision\n"
        "ensure_torchvision()\n"
        "import app.ml.compat as c; c._result = None\n"
        "import torchvision\n"
        "print(ensure_torchvision())\n"
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "already-imported"


def test_ml_spec_and_registry_do_not_import_torch_or_qt():
    out = run(
        "import sys, app.ml.spec, app.ml.registry\n"
        "from app.ml.spec import default_spec\n"
        "default_spec('cuda')\n"
        "print([m for m in ('torch', 'PySide6', 'segmentation_models_pytorch') "
        "if m in sys.modules])\n"
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"
