"""A populated project file, for the damaged-file tests (store and the open dialog)."""

from __future__ import annotations

import numpy as np

from app.store import Project
from tests.store.helpers import make_image_file


def make_project(tmp_path, name="part.dsproj", images=20):
    path = tmp_path / name
    rng = np.random.default_rng(3)
    with Project.create(path) as p:
        ids = p.images.add_many([make_image_file(tmp_path, f"i{i}.png", (200, 150), i)
                                 for i in range(images)]).added
        for i in ids:
            p.masks.save(i, rng.integers(0, 2, (150, 200), dtype=np.uint8))
    return path

