import os

import pytest

# Tests never download weights; CI machines and this one have no internet.
os.environ.setdefault("DEFECT_STUDIO_OFFLINE", "1")


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    """Tiny models run faster on one thread, and far faster when other jobs share the CPU."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
