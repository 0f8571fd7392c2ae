"""The project -> samples adapter: which images train, the persisted split, lazy loads."""

from __future__ import annotations

import numpy as np
import pytest

from app.ml.project_data import (
    NO_LABELS,
    DataError,
    PixelCache,
    build_project_data,
    default_project_spec,
)
from app.store import Project
from tests.support.tiny_project import make_tiny_project


@pytest.fixture
def tiny(tmp_path):
    with Project.open(make_tiny_project(tmp_path)) as p:
        yield p


def test_samples_split_and_persist(tiny):
    data = build_project_data(tiny, val_fraction=0.25)
    assert len(data.train) + len(data.val) == 8  # the two unlabeled parts stay out
    assert len(data.val) == 3 and data.num_classes == 2 and data.in_channels == 1
    assert [c.name for c in data.classes] == ["spot"]
    # Both strata (spot, good) reach validation; the split is in the project now.
    assert {s.is_good for s in data.val} == {True, False}
    stored = {r.id: r.split for r in tiny.images.list()}
    assert all(stored[i] == "val" for i in data.val_ids)
    assert all(stored[i] == "train" for i in data.train_ids)
    again = build_project_data(tiny, val_fraction=0.5)  # a persisted split is kept
    assert again.val_ids == data.val_ids and again.fingerprint == data.fingerprint

    image, mask = data.train[0].load()
    assert image.shape == mask.shape == (48, 48) and mask.dtype == np.uint8
    assert not image.flags.writeable  # cached pixels are shared: read-only


def test_fingerprint_follows_masks_and_test_split(tiny):
    data = build_project_data(tiny)
    first = data.train_ids[0]
    tiny.masks.save(first, np.zeros((48, 48), np.uint8))
    assert build_project_data(tiny).fingerprint != data.fingerprint
    tiny.images.set_split([first], "test")  # held out: neither trains nor validates
    held = build_project_data(tiny)
    assert first not in held.train_ids + held.val_ids


def test_nothing_to_train_says_so(tmp_path):
    with Project.create(tmp_path / "empty.dsproj") as p:
        p.classes.add("crack")
        with pytest.raises(DataError, match="No labeled images"):
            build_project_data(p)
        assert NO_LABELS.startswith("No labeled images")
        spec = default_project_spec(p, "cpu")
        assert spec.num_classes == 2 and spec.in_channels == 3


def test_pixel_cache_is_bounded():
    cache = PixelCache(max_bytes=3000)
    for k in range(5):
        cache.get(k, lambda: np.zeros(1000, np.uint8))
    assert cache.bytes <= 3000 and len(cache._items) == 3
    calls = []
    cache.get(4, lambda: calls.append(1) or np.zeros(1000, np.uint8))
    assert not calls  # a hit
