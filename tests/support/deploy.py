"""A stand-in ONNX exporter for the deploy tests (the packaging is what they test)."""

from __future__ import annotations

from pathlib import Path


def fake_exporter(model, path, in_channels, sample_size=256):
    """Stands in for export_onnx where onnx is not installed: the packaging is what is tested."""
    Path(path).write_bytes(b"not really onnx " + bytes([in_channels]) * 64)
