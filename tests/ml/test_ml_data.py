"""Preprocessing, crops and augmentation, the training dataset and the train/val split."""

import numpy as np
import pytest

from app.ml.augment import AugmentConfig, geometric, random_crop
from app.ml.data import Sample, TrainDataset, split_samples
from app.ml.preprocess import (
    compute_normalization,
    mask_to_index,
    match_channels,
    normalize,
    to_unit_float,
)
from app.ml.spec import Normalization


def test_scaling_by_pixel_type_and_channels():
    assert to_unit_float(np.array([0, 255], np.uint8)).tolist() == [0.0, 1.0]
    assert to_unit_float(np.array([0, 65535], np.uint16)).tolist() == [0.0, 1.0]
    with pytest.raises(ValueError):
        to_unit_float(np.array([1], np.int32))
    gray = np.full((4, 5), 51, np.uint8)
    assert match_channels(gray, 3).shape == (4, 5, 3)
    rgb = np.zeros((4, 5, 3), np.uint8)
    assert match_channels(rgb, 1).shape == (4, 5, 1)
    x = normalize(gray, 3, Normalization((0.1, 0.2, 0.3), (0.5, 0.5, 0.5)))
    assert x.shape == (3, 4, 5) and x.dtype == np.float32
    np.testing.assert_allclose(x[:, 0, 0], [(0.2 - 0.1) / 0.5, 0.0, (0.2 - 0.3) / 0.5], atol=1e-6)


def test_mask_values_to_channel_indices():
    mask = np.array([[0, 2, 9], [7, 7, 3]], np.uint8)
    # class values [2, 7] -> channels 1, 2; unknown values 9 and 3 -> background
    assert mask_to_index(mask, [2, 7]).tolist() == [[0, 1, 0], [2, 2, 0]]


def test_normalization_from_images():
    images = [np.full((10, 10), 0, np.uint8), np.full((10, 10), 255, np.uint8)]
    n = compute_normalization(images, 1)
    assert n.mean == pytest.approx((0.5,)) and n.std == pytest.approx((0.5,))
    n16 = compute_normalization([np.full((4, 4), 65535, np.uint16)], 3)
    assert n16.mean == pytest.approx((1.0, 1.0, 1.0))


def test_sample_rules():
    img = np.zeros((8, 8), np.uint8)
    with pytest.raises(ValueError, match="not marked good"):
        Sample(lambda: img, None, is_good=False)
    image, mask = Sample(lambda: img, None, is_good=True).load()
    assert mask.shape == (8, 8) and not mask.any()
    with pytest.raises(ValueError, match="does not fit"):
        Sample(lambda: img, lambda: np.zeros((4, 4), np.uint8), key="p1").load()


def test_geometry_keeps_image_and_mask_aligned():
    rng = np.random.default_rng(3)
    mask = (rng.random((50, 70)) < 0.1).astype(np.uint8) * 3
    image = mask * 80
    cfg = AugmentConfig(scale=0.0)
    for seed in range(20):
        r = np.random.default_rng(seed)
        img, msk = random_crop(image, mask, 32, r, cfg)
        img, msk = geometric(img, msk, r, cfg)
        assert img.shape == msk.shape == (32, 32)
        assert np.array_equal(img, msk * 80)


def test_small_images_are_padded_and_zoom_keeps_size():
    image = np.full((20, 12), 200, np.uint8)
    mask = np.ones((20, 12), np.uint8)
    img, msk = random_crop(image, mask, 32, np.random.default_rng(0), AugmentConfig(scale=0.0))
    assert img.shape == msk.shape == (32, 32)
    assert msk.sum() == 20 * 12 and (img[msk == 0] == 0).all() and (img[msk == 1] == 200).all()
    for seed in range(5):
        img, msk = random_crop(image, mask, 32, np.random.default_rng(seed),
                               AugmentConfig(scale=0.3))
        assert img.shape == msk.shape == (32, 32)


def test_crops_oversample_defects():
    mask = np.zeros((256, 256), np.uint8)
    mask[200:204, 30:34] = 1
    image = mask.copy()

    def hits(p):
        cfg = AugmentConfig(defect_crop_p=p)
        return sum(random_crop(image, mask, 32, np.random.default_rng(s), cfg)[1].any()
                   for s in range(100))
    assert hits(1.0) == 100
    assert hits(0.0) < 20


def test_dataset_items_are_deterministic_per_epoch():
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 255, (40, 40), dtype=np.uint8) for _ in range(3)]
    mask = (np.arange(1600).reshape(40, 40) % 7 == 0).astype(np.uint8) * 5
    samples = [Sample(lambda im=im: im, lambda: mask) for im in images]
    ds = TrainDataset(samples, [5], 32, 3, Normalization.imagenet(3), crops_per_image=2, seed=1)
    assert len(ds) == 6
    x, y = ds[4]
    assert x.shape == (3, 32, 32) and str(x.dtype) == "torch.float32"
    assert y.shape == (32, 32) and str(y.dtype) == "torch.int64"
    assert set(y.unique().tolist()) <= {0, 1}
    assert (ds[4][0] == x).all()
    ds.set_epoch(1)
    assert not (ds[4][0] == x).all()


def test_split_is_stratified_deterministic_and_stable():
    sets = [{1}] * 10 + [{2}] * 3 + [set()] * 7 + [{1, 3}]
    a = split_samples(sets, 0.2, seed=5)
    assert a == split_samples(sets, 0.2, seed=5)
    assert set(a) == {"train", "val"}
    assert sum(1 for s, x in zip(sets, a, strict=True) if 2 in s and x == "val") == 1
    assert sum(1 for s, x in zip(sets, a, strict=True)
               if 1 in s and s != {1, 3} and x == "val") == 2
    assert a[-1] == "train"  # a class seen once stays in train, where the model can learn it
    assert sum(1 for s, x in zip(sets, a, strict=True) if not s and x == "val") == 1

    grown = sets + [{2}] * 5
    b = split_samples(grown, 0.2, seed=5, fixed=a + [None] * 5)
    assert b[: len(a)] == a  # persisted assignments never move
    assert sum(1 for s, x in zip(grown, b, strict=True)
               if 2 in s and x == "val") == 2  # round(0.2 * 8)
    with pytest.raises(ValueError):
        split_samples(sets, 1.0)


def _parts(n_defective: int, n_good: int) -> list[Sample]:
    empty = np.zeros((8, 8), np.uint8)
    return ([Sample(lambda: empty, lambda: empty, classes_present={1}, key=f"d{i}")
             for i in range(n_defective)]
            + [Sample(lambda: empty, None, is_good=True, key=f"g{i}") for i in range(n_good)])


def test_defect_weights_lift_defective_parts_to_the_share():
    from app.ml.data import defect_weights

    w = defect_weights(_parts(2, 8), 0.5)
    assert w[:2] == [0.25, 0.25] and w[2:] == [0.0625] * 8  # 2 x 0.25 = 8 x 0.0625 = 0.5
    assert defect_weights(_parts(5, 5), 0.5) is None  # already half
    assert defect_weights(_parts(2, 8), 0.0) is None  # switched off
    assert defect_weights(_parts(0, 8), 0.5) is None  # nothing to lift
    assert defect_weights(_parts(3, 0), 0.5) is None


def test_the_trainer_draws_defective_parts_at_the_share(tmp_path):
    from app.ml.checkpoint import ClassInfo
    from app.ml.spec import ModelSpec
    from app.ml.trainer import TrainConfig, Trainer

    parts = _parts(2, 18)
    spec = ModelSpec(in_channels=1, num_classes=2, tile_size=32, encoder_weights=None)
    drawn = {}
    for share in (0.5, 0.0):
        config = TrainConfig(defect_share=share, crops_per_image=2, device="cpu",
                             synthetic="off")  # the labeled parts alone
        trainer = Trainer(spec, [ClassInfo(1, "crack")], parts, [], tmp_path / str(share), config,
                          norm=Normalization())
        trainer._setup(resume=False)
        picks = [i % len(parts) for e in range(100) for i in trainer._loader(e, 4).sampler]
        assert len(picks) == 100 * 40  # an epoch is as long either way
        drawn[share] = sum(p < 2 for p in picks) / len(picks)
    assert 0.45 < drawn[0.5] < 0.55  # 4000 draws: 5 sigma is about 0.04
    assert drawn[0.0] == pytest.approx(0.1)  # plain shuffle: every item once per epoch


def test_auto_crops_cover_the_median_image_once_per_epoch():
    from app.ml.data import auto_crops

    def parts(*pixels):
        empty = np.zeros((1, 1), np.uint8)
        return [Sample(lambda: empty, None, is_good=True, pixels=p) for p in pixels]

    assert auto_crops(parts(512 * 512, 512 * 512, 100), 256) == 4  # the demo's parts
    assert auto_crops(parts(325 * 297), 256) == 1  # magnetic tiles: about one tile each
    assert auto_crops(parts(5472 * 3648), 256) == 16  # 20 MP: capped
    assert auto_crops(parts(0, 0), 256) == 1  # sizes unknown
