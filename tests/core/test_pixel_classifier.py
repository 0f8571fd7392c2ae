"""The pixel classifier's filter bank and numpy head: shapes, determinism, learning, storage."""

import cv2
import numpy as np
import pytest

from app.core.pixel_classifier import (
    IN_PROGRESS_MARGIN,
    PixelClassifier,
    balanced,
    training_rows,
    upsample,
)
from app.core.pixel_features import FeatureCache, FilterBank
from tests.support.pixel_parts import iou, line_part

# -- features -------------------------------------------------------------------------------

def test_features_shape_dtype_and_names():
    img, _ = line_part(0)
    bank = FilterBank()
    feats = bank.compute(img)
    assert feats.dtype == np.float32
    assert feats.shape == (32, 96, 128) == (bank.num_features, *img.shape)
    assert len(bank.names()) == 32 and len(set(bank.names())) == 32
    assert np.isfinite(feats).all()


def test_features_are_deterministic_and_scale_free_of_dtype():
    img, _ = line_part(1)
    bank = FilterBank()
    a, b = bank.compute(img), bank.compute(img.copy())
    assert np.array_equal(a, b)
    wide = bank.compute(img.astype(np.uint16) * 257)  # the same picture in 16 bits
    assert np.allclose(a, wide, atol=1e-5)


def test_gaussian_plane_is_the_blurred_image():
    img, _ = line_part(2)
    feats = FilterBank(sigmas=(1.6,)).compute(img)
    want = cv2.GaussianBlur(img.astype(np.float32) / 255, (0, 0), 1.6,
                            borderType=cv2.BORDER_REFLECT_101)
    # sigma 1.6 is computed half size and upsampled: close, not equal
    assert np.abs(feats[0] - want)[4:-4, 4:-4].mean() < 0.01


def test_big_images_are_shrunk_and_rgb_adds_channels():
    bank = FilterBank(max_pixels=1000, channels=3)
    rgb = np.zeros((100, 160, 3), np.uint8)
    feats = bank.compute(rgb)
    assert feats.shape[1:] == bank.work_shape(100, 160)
    assert feats.shape[1] * feats.shape[2] <= 1100
    assert feats.shape[0] == 32 + 12 == bank.num_features
    assert FilterBank.from_dict(bank.to_dict()) == bank


def test_bad_images_and_settings_are_refused():
    with pytest.raises(ValueError, match="uint8 or uint16"):
        FilterBank().compute(np.zeros((8, 8), np.float32))
    with pytest.raises(ValueError, match="sigmas"):
        FilterBank(sigmas=(0.0,))


def test_feature_cache_drops_least_recently_used():
    cache = FeatureCache(max_bytes=2 * 400)
    arr = lambda: np.zeros(100, np.float32)  # noqa: E731 - 400 bytes each
    for key in (1, 2, 3):
        cache.get(key, arr)
    assert 1 not in cache and 2 in cache and 3 in cache
    calls = []
    cache.get(2, lambda: calls.append(1))  # cached: not recomputed
    assert not calls


# -- sampling -------------------------------------------------------------------------------

def test_rows_sample_classes_and_keep_background_away_from_strokes():
    img, mask = line_part(3)
    feats = FilterBank().compute(img)
    rows = training_rows(feats, mask, complete=False, rng=np.random.default_rng(0))
    assert rows.values() == {0, 3}
    assert (rows.labels == 3).sum() == (mask == 3).sum()  # fewer than per_image: all of them
    # background rows are far from the line: their features differ from any line pixel's
    far = cv2.distanceTransform((mask == 0).astype(np.uint8), cv2.DIST_L2, 5)
    ys, xs = np.nonzero(far > IN_PROGRESS_MARGIN)
    bg_feats = rows.features[rows.labels == 0]
    assert len(bg_feats) > 100
    allowed = {tuple(v) for v in feats[:, ys, xs].T.round(5)}
    assert all(tuple(v) in allowed for v in bg_feats.round(5)[:50])


def test_balanced_maps_values_to_channels_and_caps():
    img, mask = line_part(4)
    feats = FilterBank().compute(img)
    rows = training_rows(feats, mask, complete=True, rng=np.random.default_rng(0))
    data = balanced([rows], [3], np.random.default_rng(0), per_class=50, background=80)
    assert sorted(np.bincount(data.labels).tolist()) == [50, 80]
    assert set(np.unique(data.labels).tolist()) == {0, 1}


# -- learning and storage -------------------------------------------------------------------

@pytest.fixture(scope="module")
def fitted():
    bank = FilterBank()
    rng = np.random.default_rng(0)
    rows = []
    for seed in range(4):
        img, mask = line_part(seed)
        rows.append(training_rows(bank.compute(img), mask, complete=True, rng=rng))
    return PixelClassifier.fit(bank, [3], balanced(rows, [3], rng))


def test_learns_a_bright_line_on_a_noisy_background(fitted):
    scores = []
    for seed in (10, 11, 12):
        img, mask = line_part(seed)
        probs = fitted.predict(img)
        assert probs.dtype == np.uint8 and probs.shape == (1, *img.shape)
        scores.append(iou(probs[0] >= 128, mask > 0))
    assert min(scores) > 0.5, scores
    # and a part without the line has (almost) no defect pixels
    clean = np.random.default_rng(5).normal(100, 15, (96, 128)).clip(0, 255).astype(np.uint8)
    assert (fitted.predict(clean)[0] >= 128).mean() < 0.01


def test_fit_is_deterministic(fitted):
    bank = fitted.bank
    img, mask = line_part(0)
    rows = training_rows(bank.compute(img), mask, complete=True, rng=np.random.default_rng(1))
    data = balanced([rows], [3], np.random.default_rng(1))
    a = PixelClassifier.fit(bank, [3], data)
    b = PixelClassifier.fit(bank, [3], data)
    for k, v in a.state().items():
        assert np.array_equal(v, b.state()[k])


def test_logistic_regression_variant(fitted):
    img, mask = line_part(0)
    rows = training_rows(fitted.bank.compute(img), mask, complete=True,
                         rng=np.random.default_rng(1))
    lin = PixelClassifier.fit(fitted.bank, [3], balanced([rows], [3], np.random.default_rng(1)),
                              hidden=0, iterations=150)
    assert lin.hidden == 0 and "w2" not in lin.state()
    test_img, test_mask = line_part(11)
    assert iou(lin.predict(test_img)[0] >= 128, test_mask > 0) > 0.4


def test_state_round_trip_gives_identical_predictions(fitted):
    img, _ = line_part(12)
    again = PixelClassifier.from_state(fitted.bank, [3], {k: v.copy() for k, v in
                                                         fitted.state().items()})
    assert np.array_equal(again.predict(img), fitted.predict(img))


def test_fit_refuses_missing_classes():
    bank = FilterBank(sigmas=(1.0,))
    rows = training_rows(bank.compute(np.zeros((20, 20), np.uint8)),
                         np.zeros((20, 20), np.uint8), complete=True,
                         rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="no pixels of class 3"):
        PixelClassifier.fit(bank, [3], balanced([rows], [3], np.random.default_rng(0)))


def test_upsample_keeps_uint8_and_size():
    small = np.full((2, 5, 7), 200, np.uint8)
    big = upsample(small, 50, 70)
    assert big.shape == (2, 50, 70) and big.dtype == np.uint8 and (big == 200).all()
