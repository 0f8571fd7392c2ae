"""Tiled, blended inference: equal to whole-image inference where both apply, bounded memory."""

import threading
import tracemalloc

import numpy as np
import pytest
import torch
import torch.nn as nn
from hypothesis import given, settings
from hypothesis import strategies as st

from app.ml.checkpoint import CheckpointConfig, ClassInfo, save_checkpoint
from app.ml.inference import (
    InferenceCancelled,
    activation_bytes_per_pixel,
    load_model_for_inference,
    plan_tiles,
    predict_image,
    probs_to_index,
    ramp,
    tile_starts,
)
from app.ml.registry import create_model
from app.ml.spec import ModelSpec, Normalization

NORM = Normalization((0.3,), (0.2,))


def conv_model(kernel: int, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    layers = [nn.Conv2d(1, 8, kernel, padding=kernel // 2), nn.ReLU(),
              nn.Conv2d(8, 3, kernel, padding=kernel // 2)]
    return nn.Sequential(*layers).eval()


POINTWISE = conv_model(1)


def image(h=100, w=76, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w), dtype=np.uint8)


def spec(tile=32, **kw):
    return ModelSpec("Unet", "resnet18", (16, 8, 8, 8, 8), 1, 3, tile, None).replace(**kw)


def test_tile_layout_and_window():
    assert tile_starts(100, 32, 8) == [0, 24, 48, 68]
    assert tile_starts(20, 32, 8) == [0]
    r = ramp(16, 4, True, True)
    assert r.min() > 0 and r[4:12].tolist() == [1.0] * 8
    np.testing.assert_allclose(r[:4] + r[-4:], 1.0)  # a trailing and a leading ramp sum to 1
    assert ramp(16, 4, False, False).tolist() == [1.0] * 16


def test_pointwise_model_tiled_equals_untiled():
    model, img = conv_model(1), image()
    whole = predict_image(model, img, spec(), NORM, tile=0)
    tiled = predict_image(model, img, spec(), NORM, tile=32, overlap=8, batch_size=3)
    assert whole.shape == tiled.shape == (2, 100, 76) and tiled.dtype == np.uint8
    assert np.abs(whole.astype(int) - tiled).max() <= 1


def test_conv_model_tiled_close_to_untiled():
    # Sides are multiples of 32, so the whole-image run needs no padding: any difference comes
    # from the tile seams alone.
    model, img = conv_model(3), image(96, 64, seed=1)
    whole = predict_image(model, img, spec(), NORM, tile=0).astype(int)
    tiled = predict_image(model, img, spec(), NORM, tile=32, overlap=8).astype(int)
    diff = np.abs(whole - tiled)
    assert diff.mean() < 0.2 and diff.max() <= 4


def test_smp_model_shapes_and_single_tile():
    torch.manual_seed(0)
    model = create_model(spec(tile=64, in_channels=3)).model.eval()
    rgb16 = np.random.default_rng(2).integers(0, 65535, (45, 70, 3), dtype=np.uint16)
    s = spec(tile=64, in_channels=3)
    norm = Normalization.imagenet(3)
    tiled = predict_image(model, rgb16, s, norm, tile=32, overlap=8)
    assert tiled.shape == (2, 45, 70) and tiled.dtype == np.uint8
    assert (tiled.astype(int).sum(0) <= 255 + 2).all()
    # an image inside one tile is the same as the whole-image run
    small = rgb16[:40, :60]
    assert np.array_equal(predict_image(model, small, s, norm, tile=64),
                          predict_image(model, small, s, norm, tile=0))


def test_cancel_between_batches():
    ev = threading.Event()
    ev.set()
    with pytest.raises(InferenceCancelled):
        predict_image(conv_model(1), image(), spec(), NORM, cancel=ev)


def test_probs_to_index():
    probs = np.array([[[200, 10, 100]], [[50, 20, 140]]], np.uint8)  # background 5, 225, 15
    assert probs_to_index(probs).tolist() == [[1, 0, 2]]


def test_memory_stays_banded():
    model, img = conv_model(1), image(2048, 256, seed=3)
    tracemalloc.start()
    out = predict_image(model, img, spec(), NORM, tile=64, overlap=16)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    full_float = 3 * img.size * 4  # a float32 (1 + C, H, W) accumulator, which must not exist
    assert peak < out.nbytes + full_float / 3, (peak, out.nbytes)


def test_load_model_for_inference(tmp_path):
    torch.manual_seed(0)
    s = spec()
    model = create_model(s).model.eval()
    save_checkpoint(tmp_path, model,
                    CheckpointConfig(s, [ClassInfo(1, "a"), ClassInfo(2, "b")], NORM))
    loaded = load_model_for_inference(tmp_path, device="cpu")
    img = image(48, 40)
    assert loaded.config.class_values == [1, 2]
    assert np.array_equal(loaded.predict(img), predict_image(model, img, s, NORM))


@settings(max_examples=25, deadline=None)
@given(h=st.integers(1, 150), w=st.integers(1, 150), tile=st.sampled_from([32, 64]),
       overlap=st.integers(0, 32), batch=st.integers(1, 5))
def test_any_layout_blends_to_the_untiled_result(h, w, tile, overlap, batch):
    """Every pixel is covered and the blending weights normalize, whatever the sizes."""
    model, img = POINTWISE, image(h, w, seed=h * 151 + w)
    whole = predict_image(model, img, spec(), NORM, tile=0)
    tiled = predict_image(model, img, spec(), NORM, tile=tile, overlap=overlap, batch_size=batch)
    assert tiled.shape == (2, h, w)
    assert np.abs(whole.astype(int) - tiled).max() <= 1


def test_plan_tiles_whole_then_bands_then_squares():
    assert plan_tiles(100, 76, 100.0, 100 * 128 * 96, 32, 8) == (128, 96)  # whole, padded
    assert plan_tiles(1000, 300, 100.0, 100 * 320 * 200, 64, 16) == (192, 320)  # full-width band
    assert plan_tiles(1000, 3000, 100.0, 100 * 3008 * 40, 64, 16) == (320, 320)  # squares
    assert plan_tiles(1000, 3000, 100.0, 10, 64, 16) == (64, 64)  # never under the spec's tile


def test_default_runs_the_whole_image_in_one_pass_when_it_fits():
    model, calls = conv_model(3), []
    model.register_forward_pre_hook(lambda m, args: calls.append(tuple(args[0].shape)))
    predict_image(model, image(100, 76), spec(), NORM)
    assert calls[-1] == (1, 1, 128, 96)  # after the size probe: one whole-image pass


@pytest.mark.parametrize("rows, cols", [(96, 192), (64, 64)])  # bands, then squares
def test_large_planned_tiles_equal_the_whole_image(rows, cols):
    # Sides are multiples of 32, as in test_conv_model_tiled_close_to_untiled.
    model, img = conv_model(3), image(288, 192, seed=4)
    per_pixel = activation_bytes_per_pixel(model, 1)
    calls = []
    model.register_forward_pre_hook(lambda m, args: calls.append(tuple(args[0].shape[2:])))
    tiled = predict_image(model, img, spec(tile=64), NORM,
                          memory_budget=int(per_pixel * rows * cols))
    assert set(calls) == {(rows, cols)}
    whole = predict_image(model, img, spec(), NORM, tile=0).astype(int)
    diff = np.abs(whole - tiled)
    assert diff.mean() < 0.2 and diff.max() <= 4

