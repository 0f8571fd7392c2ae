"""The one place that imports segmentation-models-pytorch (smp).

PyPI's torchvision wheel is a CUDA build. On a CPU-only torch its C extension does not load,
and `import torchvision` (done by smp through timm) then dies with
"operator torchvision::nms does not exist": torchvision registers fake kernels for `nms` and
`qnms` whose schemas only the missing extension would have defined. We define those two schemas
ourselves, only when the extension is really missing, before torchvision is first imported.
Segmentation never calls nms, so schemas without kernels are enough.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from types import ModuleType

# Schemas as defined by torchvision's C++ sources (csrc/ops/nms.cpp, quantized qnms kernel).
_SCHEMAS = {
    "nms": "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms": "qnms(Tensor qdets, Tensor scores, float iou_threshold) -> Tensor",
}

_lock = threading.Lock()
_result: str | None = None
_library = None  # the torch.library.Library must stay alive, or its definitions vanish


def _has_op(torch, name: str) -> bool:
    try:
        return hasattr(torch.ops.torchvision, name)
    except Exception:  # noqa: BLE001 - any failure means "not registered"
        return False


def _try_load_extension(torch, package_dir: Path) -> bool:
    """Load torchvision's own C extension; True when it provided the ops."""
    for lib in sorted(package_dir.glob("_C*")):
        if lib.suffix not in (".so", ".pyd", ".dylib"):
            continue
        try:
            torch.ops.load_library(str(lib))
        except (OSError, RuntimeError, ImportError):
            return False
        return _has_op(torch, "nms")
    return False


def ensure_torchvision() -> str:
    """Make `import torchvision` work on CPU-only torch. Idempotent and thread-safe.

    Returns what the first call found: "absent" (no torchvision), "already-imported",
    "native" (its extension works) or "schemas-defined".
    """
    global _result
    with _lock:
        if _result is None:
            _result = _ensure()
        return _result


def _ensure() -> str:
    global _library
    import sys

    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return "absent"
    if "torchvision" in sys.modules:
        return "already-imported"  # too late to help, and nothing to fix if it imported fine
    import torch

    package_dir = Path(next(iter(spec.submodule_search_locations)))
    if _has_op(torch, "nms") or _try_load_extension(torch, package_dir):
        return "native"
    _library = torch.library.Library("torchvision", "FRAGMENT")
    for name, schema in _SCHEMAS.items():
        if not _has_op(torch, name):
            _library.define(schema)
    return "schemas-defined"


def import_smp() -> ModuleType:
    """Import and return `segmentation_models_pytorch`, fixing torchvision first."""
    ensure_torchvision()
    import segmentation_models_pytorch as smp

    return smp
