"""Builders shared by the tests (moved from tests/jobs/test_deploy.py)."""

from __future__ import annotations

from pathlib import Path


def fake_exporter(model, path, in_channels, sample_size=256):
    """Stands in for export_onnx where onnx is not installed: the packaging is what is tested."""
    Path(path).write_bytes(b"not really onnx " + bytes([in_channels]) * 64)
