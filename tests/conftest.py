import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests that open the demo only need its parts (tests/test_demo.py builds the whole loop).
os.environ.setdefault("DEFECT_STUDIO_DEMO_MODEL", "0")
# Converted bundled weights go to a cache of this test session, never the user's.
if "DEFECT_STUDIO_CACHE_DIR" not in os.environ:
    import tempfile

    os.environ["DEFECT_STUDIO_CACHE_DIR"] = tempfile.mkdtemp(prefix="ds-test-cache-")
# Models load with PyTorch in tests: exporting every tiny test model for ONNX Runtime (the CPU
# default, app.ml.runtime) costs seconds apiece; tests/ml/test_ml_runtime.py covers that path.
os.environ.setdefault("DEFECT_STUDIO_BACKEND", "torch")

pytest_plugins = ["tests.support.pg_fixtures"]  # the throw-away PostgreSQL cluster

SHARED_DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
MAGNETIC_TILE = SHARED_DATASETS / "magnetic-tile"


@pytest.fixture
def project(tmp_path):
    from app.store import Project

    p = Project.create(tmp_path / "test.dsproj")
    yield p
    p.close()


@pytest.fixture
def one_thread():
    """torch on one thread for the test (modules ask with pytest.mark.usefixtures)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def magnetic_tile():
    if not (MAGNETIC_TILE / "README.md").exists():
        pytest.skip("../shared/datasets/magnetic-tile is not present")
    return MAGNETIC_TILE
